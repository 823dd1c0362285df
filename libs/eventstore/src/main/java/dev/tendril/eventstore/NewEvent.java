package dev.tendril.eventstore;

import java.util.Objects;

/** An event about to be appended: its type, the schema version of its payload and the payload bytes. */
public record NewEvent(String type, int schemaVersion, String contentType, byte[] payload) {

    public static final String PROTOBUF = "application/x-protobuf";
    public static final String JSON = "application/json";

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
}
