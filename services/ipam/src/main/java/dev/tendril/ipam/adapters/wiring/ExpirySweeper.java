package dev.tendril.ipam.adapters.wiring;

import dev.tendril.ipam.app.IpamService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/** Periodically releases allocations that were never confirmed by an endpoint within the expiry. */
@ApplicationScoped
public class ExpirySweeper {

    private static final Logger LOG = Logger.getLogger(ExpirySweeper.class);

    @Inject
    IpamService ipam;

    @Inject
    IpamConfig config;

    private ScheduledExecutorService timer;

    void onStart(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("ipam-expiry").daemon().factory());
        long period = config.expirySweep().toMillis();
        timer.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void sweep() {
        try {
            int freed = ipam.expireUnconfirmed();
            if (freed > 0) {
                LOG.infof(
                        "released %d pod addresses allocated more than %s ago without an endpoint",
                        freed, config.unconfirmedExpiry());
            }
        } catch (RuntimeException e) {
            LOG.warnf("expiry sweep failed, retrying next round: %s", e.getMessage());
        }
    }
}
