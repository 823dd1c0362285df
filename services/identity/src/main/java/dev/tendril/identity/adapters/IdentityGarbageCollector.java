package dev.tendril.identity.adapters;

import dev.tendril.identity.app.IdentityAllocator;
import dev.tendril.identity.app.IdentityRecord;
import dev.tendril.identity.app.IdentityStorage;
import dev.tendril.identity.app.ReleaseFollower;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Releases identities unused for the grace period, every interval, in batches until none is left;
 * and keeps the reuse cache free of identities other replicas released.
 */
@ApplicationScoped
public class IdentityGarbageCollector {

    private static final Logger LOG = Logger.getLogger(IdentityGarbageCollector.class);

    @Inject
    IdentityServiceConfig config;

    @Inject
    IdentityAllocator allocator;

    @Inject
    IdentityStorage storage;

    @Inject
    MeterRegistry meters;

    private ScheduledExecutorService scheduler;
    private Counter releasedCounter;
    private Counter invalidCounter;

    void onStart(@Observes StartupEvent event) {
        releasedCounter = Counter.builder("tendril_identity_gc_released_total")
                .description("Identities released by garbage collection")
                .register(meters);
        invalidCounter = Counter.builder("tendril_identity_gc_invalid_released_total")
                .description("Identities released because their cidr:/reserved: labels are invalid")
                .register(meters);
        ReleaseFollower follower = new ReleaseFollower(storage, allocator);
        scheduler = Executors.newScheduledThreadPool(
                1, Thread.ofPlatform().name("identity-gc").daemon(true).factory());
        long interval = config.gc().interval().toMillis();
        scheduler.scheduleWithFixedDelay(this::collectSafely, interval, interval, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(
                () -> {
                    try {
                        follower.poll();
                    } catch (RuntimeException e) {
                        LOG.debugf("release follower: %s", e.getMessage());
                    }
                },
                500,
                500,
                TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /**
     * Releases everything past its grace period now, and every identity with invalid {@code cidr:} or
     * {@code reserved:} labels (stored before they were validated; each logged as a warning); returns the
     * released identities.
     */
    public List<IdentityRecord> collect(java.time.Duration grace) {
        List<IdentityRecord> all = new java.util.ArrayList<>();
        while (true) {
            Map<IdentityRecord, String> invalid =
                    allocator.collectInvalid(config.gc().batchSize());
            invalid.forEach((identity, problem) -> LOG.warnf(
                    "identity GC released invalid identity %d %s: %s", identity.id(), identity.labels(), problem));
            all.addAll(invalid.keySet());
            invalidCounter.increment(invalid.size());
            if (invalid.size() < config.gc().batchSize()) {
                break;
            }
        }
        while (true) {
            List<IdentityRecord> batch =
                    allocator.collectGarbage(grace, config.gc().batchSize());
            all.addAll(batch);
            releasedCounter.increment(batch.size());
            if (batch.size() < config.gc().batchSize()) {
                return all;
            }
        }
    }

    private void collectSafely() {
        try {
            List<IdentityRecord> released = collect(config.gc().grace());
            if (!released.isEmpty()) {
                LOG.infof(
                        "identity GC released %d identities unused for %s",
                        released.size(), config.gc().grace());
            }
        } catch (RuntimeException e) {
            LOG.warnf("identity GC failed, retrying next interval: %s", e.getMessage());
        }
    }
}
