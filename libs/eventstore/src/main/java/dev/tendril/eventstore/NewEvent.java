package dev.tendril.eventstore;

import java.util.Objects;

/**
 * An event about to be appended: its type, the schema version of its payload and the payload bytes,
 * and who caused it when that is not the appending thread's caller ({@code origin} null: the store
 * stamps its current origin; a group commit that appends for several callers sets each one's).
 */
public record NewEvent(String type, int schemaVersion, String contentType, byte[] payload, ChangeOrigin origin) {

    public static final String PROTOBUF = "application/x-protobuf";
    public static final String JSON = "application/json";

    public NewEvent(String type, int schemaVersion, String contentType, byte[] payload) {
        this(type, schemaVersion, contentType, payload, null);
    }

    public NewEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(payload, "payload");
        if (type.isBlank()) {
            throw new IllegalArgumentException("event type must not be blank");
        }
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schemaVersion must be >= 1, was " + schemaVersion);
        }
    }

    /** This event, caused by {@code origin}. */
    public NewEvent withOrigin(ChangeOrigin origin) {
        return new NewEvent(type, schemaVersion, contentType, payload, origin);
    }
}
