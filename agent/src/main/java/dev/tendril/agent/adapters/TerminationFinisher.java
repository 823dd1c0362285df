package dev.tendril.agent.adapters;

import dev.tendril.agent.endpoint.EndpointManager;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Deletes terminating endpoints when their grace period is over: checks every second from start (the deadlines are
 * in the persisted endpoint table, so a restarted agent finishes what its predecessor began), once the maps are
 * writable.
 */
@ApplicationScoped
public class TerminationFinisher {

    private static final Logger LOG = Logger.getLogger(TerminationFinisher.class);

    @Inject
    EndpointManager manager;

    @Inject
    DatapathMaps maps;

    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent start) {
        timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("tendril-agent-terminations").daemon().factory());
        timer.scheduleWithFixedDelay(this::finishDue, 1, 1, TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent stop) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void finishDue() {
        try {
            if (maps.writable()) {
                manager.finishTerminations();
            }
        } catch (RuntimeException e) {
            LOG.warnf("finishing terminating endpoints failed, retried in a second: %s", e.getMessage());
        }
    }
}
