package dev.tendril.eventstore;

import java.time.Instant;

/** A snapshot of what the outbox relay is doing, for health checks and `tendril status`. */
public record RelayStatus(State state, long publishedTotal, long failuresTotal, long lagEvents,
        double lagSeconds, String lastError, Instant lastErrorAt) {

    public enum State {
        /** Not started yet, or looking for its cursor. */
        STARTING,
        /** Publishing, or idle with nothing to publish. */
        PUBLISHING,
        /** Another replica holds the relay lock; this one waits to take over. */
        STANDBY,
        /** The last attempt failed (Kafka or PostgreSQL unreachable); retrying with backoff. */
        RETRYING,
        STOPPED
    }
}
