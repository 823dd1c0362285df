package dev.tendril.agent.adapters;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Every {@code tendril.agent.reconcile-interval}, once bootstrapped, a full pass over the maps against the state
 * consumer's last image: corrects drift (another writer, a lost update); also while Kafka is down, which keeps the
 * last state (fail-static).
 */
final class PeriodicReconcile implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PeriodicReconcile.class);

    private final DatapathMaps maps;
    private final BooleanSupplier bootstrapped;
    private final ScheduledExecutorService periodic;
    private volatile boolean stopping;

    PeriodicReconcile(DatapathMaps maps, Duration every, BooleanSupplier bootstrapped) {
        this.maps = maps;
        this.bootstrapped = bootstrapped;
        this.periodic = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("tendril-agent-reconcile").daemon().factory());
        long ms = every.toMillis();
        periodic.scheduleWithFixedDelay(this::pass, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void pass() {
        if (!bootstrapped.getAsBoolean() || stopping) {
            return;
        }
        try {
            maps.reconcileCurrent("periodic")
                    .filter(out -> out.total() > 0)
                    .ifPresent(out ->
                            LOG.infof("periodic reconcile corrected %d entries: %s", out.total(), out.changes()));
        } catch (RuntimeException e) {
            LOG.error("periodic reconcile failed", e);
        }
    }

    @Override
    public void close() {
        stopping = true;
        periodic.shutdownNow();
    }
}
