package dev.tendril.ipam.adapters.wiring;

import dev.tendril.eventstore.EventStore;
import dev.tendril.ipam.adapters.persistence.JdbcIpamQueries;
import dev.tendril.ipam.adapters.persistence.JdbcIpamStore;
import dev.tendril.ipam.app.IpamService;
import dev.tendril.ipam.domain.IpamSettings;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;

/**
 * Builds the validated settings and the service over its persistence ports; a bad pool config stops the
 * start with its reasons.
 */
@ApplicationScoped
public class IpamProducer {

    /** Config to settings: the one place defaults and families are decided. */
    public static IpamSettings settings(IpamConfig config) {
        return IpamSettings.validated(
                config.ipv4().enabled() ? config.ipv4().cidrs() : List.of(),
                config.ipv4().nodeMask(),
                config.ipv6().enabled() ? config.ipv6().cidrs() : List.of(),
                config.ipv6().nodeMask(),
                config.quarantine(),
                config.unconfirmedExpiry());
    }

    @Produces
    @Singleton
    @Startup
    IpamSettings ipamSettings(IpamConfig config) {
        return settings(config);
    }

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    IpamService ipamService(EventStore store, IpamSettings settings, Clock clock, IpamConfig config) {
        return new IpamService(
                new JdbcIpamStore(store),
                new JdbcIpamQueries(store.transactions()),
                settings,
                clock,
                config.cluster(),
                config.writers());
    }

    void close(@Disposes IpamService service) {
        service.close();
    }
}
