package dev.tendril.eventstore;

import java.time.Instant;

/**
 * An event as committed: {@code position} orders all events of the store, {@code version} the events of
 * one stream (1, 2, 3, ... without gaps). Consumers deduplicate by (streamId, version).
 * {@code origin}: who caused it, in which request.
 */
public record StoredEvent(
        long position,
        String streamId,
        long version,
        String type,
        int schemaVersion,
        String contentType,
        byte[] payload,
        Instant recordedAt,
        ChangeOrigin origin) {

    /** An event whose origin is not known (read without it, or written before origins were recorded). */
    public StoredEvent(
            long position,
            String streamId,
            long version,
            String type,
            int schemaVersion,
            String contentType,
            byte[] payload,
            Instant recordedAt) {
        this(position, streamId, version, type, schemaVersion, contentType, payload, recordedAt, ChangeOrigin.UNKNOWN);
    }
}
