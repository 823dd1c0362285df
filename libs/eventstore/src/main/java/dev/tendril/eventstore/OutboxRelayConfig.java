package dev.tendril.eventstore;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of one outbox relay, validated when built.
 *
 * @param name            relay name: its cursor row and its lock; one per service
 * @param source          the service the events come from, written into each envelope
 * @param eventTopic      the event-log topic, keyed by stream id
 * @param batchSize       events read and published per round trip
 * @param idlePoll        how long an idle relay waits before looking again (commits in this JVM wake it sooner)
 * @param maxBackoff      the longest wait between retries while Kafka or PostgreSQL is down
 * @param sendTimeout     how long one batch may take to be acknowledged by Kafka before it counts as failed
 * @param projections     compacted state topics fed from the same events
 * @param auditInterval   how often the state topics are read back and repaired where they differ
 *                        from what the relay published; zero turns the audit off
 */
public record OutboxRelayConfig(
        String name,
        String source,
        String eventTopic,
        int batchSize,
        Duration idlePoll,
        Duration maxBackoff,
        Duration sendTimeout,
        List<StateProjection> projections,
        Duration auditInterval) {

    public OutboxRelayConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(eventTopic, "eventTopic");
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be 1..10000, was " + batchSize);
        }
        requirePositive("idlePoll", idlePoll);
        requirePositive("maxBackoff", maxBackoff);
        requirePositive("sendTimeout", sendTimeout);
        projections = List.copyOf(projections);
        Objects.requireNonNull(auditInterval, "auditInterval");
        if (auditInterval.isNegative()) {
            throw new IllegalArgumentException("auditInterval must not be negative, was " + auditInterval);
        }
    }

    public static OutboxRelayConfig defaults(String source, String eventTopic) {
        return new OutboxRelayConfig(
                source,
                source,
                eventTopic,
                2000,
                Duration.ofMillis(50),
                Duration.ofSeconds(5),
                Duration.ofSeconds(15),
                List.of(),
                Duration.ofMinutes(5));
    }

    public OutboxRelayConfig withProjections(List<StateProjection> newProjections) {
        return new OutboxRelayConfig(
                name, source, eventTopic, batchSize, idlePoll, maxBackoff, sendTimeout, newProjections, auditInterval);
    }

    public OutboxRelayConfig withIdlePoll(Duration newIdlePoll) {
        return new OutboxRelayConfig(
                name, source, eventTopic, batchSize, newIdlePoll, maxBackoff, sendTimeout, projections, auditInterval);
    }

    public OutboxRelayConfig withMaxBackoff(Duration newMaxBackoff) {
        return new OutboxRelayConfig(
                name, source, eventTopic, batchSize, idlePoll, newMaxBackoff, sendTimeout, projections, auditInterval);
    }

    public OutboxRelayConfig withBatchSize(int newBatchSize) {
        return new OutboxRelayConfig(
                name, source, eventTopic, newBatchSize, idlePoll, maxBackoff, sendTimeout, projections, auditInterval);
    }

    public OutboxRelayConfig withAuditInterval(Duration newAuditInterval) {
        return new OutboxRelayConfig(
                name, source, eventTopic, batchSize, idlePoll, maxBackoff, sendTimeout, projections, newAuditInterval);
    }

    private static void requirePositive(String field, Duration value) {
        Objects.requireNonNull(value, field);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(field + " must be positive, was " + value);
        }
    }
}
