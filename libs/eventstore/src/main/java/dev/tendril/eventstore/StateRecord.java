package dev.tendril.eventstore;

import java.util.Objects;

/**
 * One record of a compacted "current state" topic: the entity's key and its whole current value, or
 * a tombstone ({@code value == null}) when the entity is gone. Agents bootstrap from these topics.
 */
public record StateRecord(String topic, String key, byte[] value) {

    public StateRecord {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(key, "key");
    }

    public static StateRecord upsert(String topic, String key, byte[] value) {
        return new StateRecord(topic, key, Objects.requireNonNull(value, "value"));
    }

    public static StateRecord tombstone(String topic, String key) {
        return new StateRecord(topic, key, null);
    }

    public boolean isTombstone() {
        return value == null;
    }
}
