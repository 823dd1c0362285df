package dev.tendril.policy.adapters;

import dev.tendril.eventstore.EventStore;
import dev.tendril.policy.adapters.identity.CidrIdentities;
import dev.tendril.policy.adapters.persistence.LbStore;
import dev.tendril.policy.adapters.persistence.PolicyLeadership;
import dev.tendril.policy.adapters.persistence.PolicyStore;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.app.RuntimeSettings;
import dev.tendril.policy.manifest.Manifests;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Wires the application's {@link PolicyRuntime} to its adapters (PostgreSQL store and election, the
 * identity service, Micrometer, the manifest parser), starts it before the input consumer and stops it
 * first.
 */
@ApplicationScoped
public class PolicyWiring {

    @Produces
    @Singleton
    PolicyStore produceStore(EventStore eventStore) {
        return new PolicyStore(eventStore);
    }

    @Produces
    @Singleton
    PolicyRuntime produceRuntime(
            PolicyServiceConfig config,
            PolicyStore store,
            EventStore eventStore,
            MeterRegistry registry,
            CidrIdentities cidrIdentities) {
        return runtime(config, store, eventStore, registry, cidrIdentities);
    }

    void start(@Observes @Priority(100) StartupEvent event, PolicyRuntime runtime) {
        runtime.start();
    }

    void stop(@Observes @Priority(10) ShutdownEvent event, PolicyRuntime runtime) {
        runtime.stop();
    }

    /**
     * The runtime of one replica on {@code eventStore}'s database: what CDI produces, and what tests and
     * benchmarks start as a second replica in one JVM. Call {@link PolicyRuntime#start} and
     * {@link PolicyRuntime#stop}.
     */
    public static PolicyRuntime runtime(
            PolicyServiceConfig config,
            PolicyStore store,
            EventStore eventStore,
            MeterRegistry registry,
            CidrIdentities cidrIdentities) {
        RuntimeSettings settings = new RuntimeSettings(
                config.clusterName(),
                PolicyServiceConfig.validMapMaxEntries(config.mapMaxEntries()),
                config.topics().policy());
        PolicyMeters meters = new PolicyMeters(registry);
        PolicyRuntime runtime = new PolicyRuntime(
                settings,
                store,
                Manifests::policy,
                cidrIdentities,
                new PolicyLeadership(
                        eventStore.transactions().dataSource(), config.topics().policy()),
                meters,
                new LbStore(eventStore),
                PolicyServiceConfig.lbSettings(config.services()));
        meters.leader(runtime::isLeader);
        return runtime;
    }
}
