package dev.tendril.eventstore;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * What the outbox relay has done and is doing, kept for {@link RelayStatus}, the health checks and the
 * {@code tendril_outbox_*} metrics. Written by the relay's thread, read by any.
 */
final class RelayProgress {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final String relay;
    private final AtomicReference<RelayStatus.State> state = new AtomicReference<>(RelayStatus.State.STARTING);
    private final AtomicLong lagEvents = new AtomicLong();
    private final AtomicLong lagMillis = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<Instant> lastErrorAt = new AtomicReference<>();
    private final AtomicReference<Instant> failingSince = new AtomicReference<>();
    private final AtomicReference<String> stalledEvent = new AtomicReference<>();
    private final Counter publishedCounter;
    private final Counter failureCounter;

    RelayProgress(String relay, MeterRegistry meters) {
        this.relay = relay;
        this.publishedCounter = Counter.builder("tendril_outbox_published_total")
                .description("Events published to Kafka by the outbox relay (at least once)")
                .tag("relay", relay)
                .register(meters);
        this.failureCounter = Counter.builder("tendril_outbox_failures_total")
                .description("Failed publish attempts (Kafka or PostgreSQL unreachable), each retried")
                .tag("relay", relay)
                .register(meters);
        Gauge.builder("tendril_outbox_stalled", stalledEvent, stalled -> stalled.get() == null ? 0 : 1)
                .description("1 while publishing is stopped at an event that cannot be published (a bug; see "
                        + "the relay's health check for the event)")
                .tag("relay", relay)
                .register(meters);
        Gauge.builder("tendril_outbox_lag_events", lagEvents, AtomicLong::get)
                .description("Committed events not yet published")
                .tag("relay", relay)
                .register(meters);
        Gauge.builder("tendril_outbox_lag_seconds", lagMillis, millis -> millis.get() / 1000.0)
                .description("Age of the oldest committed event not yet published")
                .tag("relay", relay)
                .register(meters);
    }

    RelayStatus status() {
        return new RelayStatus(
                state.get(),
                published.get(),
                failures.get(),
                lagEvents.get(),
                lagMillis.get() / 1000.0,
                lastError.get(),
                lastErrorAt.get(),
                failingSince.get(),
                stalledEvent.get());
    }

    void state(RelayStatus.State next) {
        state.set(next);
    }

    void published(int events) {
        published.addAndGet(events);
        publishedCounter.increment(events);
    }

    void lag(long events, long millis) {
        lagEvents.set(events);
        lagMillis.set(millis);
    }

    /**
     * Another replica holds the lock and publishes: this relay has nothing to publish, so what its own attempts
     * failed at before (a Kafka call that timed out while it briefly held the lock) no longer makes it failing.
     * The failure count and the last error stay, as history.
     */
    void standby() {
        failingSince.set(null);
        stalledEvent.set(null);
        state.set(RelayStatus.State.STANDBY);
    }

    /** An attempt went through: publishing again, whatever failed before. */
    void succeeded() {
        state.set(RelayStatus.State.PUBLISHING);
        failingSince.set(null);
        if (stalledEvent.getAndSet(null) != null) {
            LOG.infof("outbox relay %s: the stalled event went through; publishing again", relay);
        }
    }

    /**
     * An attempt that began at {@code attemptStartedAt} failed at {@code now}; returns the state to
     * show once the lag is refreshed: STALLED for a poison event, else RETRYING.
     */
    RelayStatus.State failed(Throwable e, Instant attemptStartedAt, Instant now) {
        failures.incrementAndGet();
        failureCounter.increment();
        // From the start of the attempt that failed: a send that hangs until its timeout counts as failing all along.
        failingSince.compareAndSet(null, attemptStartedAt == null ? now : attemptStartedAt);
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        RelayStatus.State next = RelayStatus.State.RETRYING;
        if (e instanceof PoisonEventException poison) {
            next = RelayStatus.State.STALLED;
            message = poison.getMessage();
            if (!poison.event().equals(stalledEvent.getAndSet(poison.event()))) {
                LOG.errorf(
                        poison.getCause(),
                        "outbox relay %s: publishing STALLED: %s. Nothing after it is published "
                                + "until it goes through; readiness is DOWN.",
                        relay,
                        message);
            }
        } else {
            stalledEvent.set(null);
            if (!message.equals(lastError.get())) {
                LOG.warnf("outbox relay %s: publish failed, retrying with backoff: %s", relay, message);
            }
        }
        lastError.set(message);
        lastErrorAt.set(now);
        return next;
    }
}
