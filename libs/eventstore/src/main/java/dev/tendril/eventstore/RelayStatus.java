package dev.tendril.eventstore;

import java.time.Instant;

/**
 * A snapshot of what the outbox relay is doing, for health checks and `tendril status`.
 *
 * @param failingSince when the current run of failed attempts began; null while publishing works
 * @param stalledEvent the event publishing is stopped at (stream, version, position, type), while
 *                     {@code state} is {@link State#STALLED}; else null
 */
public record RelayStatus(
        State state,
        long publishedTotal,
        long failuresTotal,
        long lagEvents,
        double lagSeconds,
        String lastError,
        Instant lastErrorAt,
        Instant failingSince,
        String stalledEvent) {

    public enum State {
        /** Not started yet, or looking for its cursor. */
        STARTING,
        /** Publishing, or idle with nothing to publish. */
        PUBLISHING,
        /** Another replica holds the relay lock; this one waits to take over. */
        STANDBY,
        /** The last attempt failed (Kafka or PostgreSQL unreachable); retrying with backoff. */
        RETRYING,
        /**
         * A committed event cannot be turned into Kafka records (a bug: it should have been refused
         * before it was appended). Nothing after it is published, since consumers rely on order; the
         * relay keeps retrying it and readiness is DOWN until it goes through.
         */
        STALLED,
        STOPPED
    }
}
