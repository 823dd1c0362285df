package dev.tendril.agent.state;

import java.util.Arrays;

/**
 * One record of a state topic as the agent reads it: a null value is a tombstone.
 *
 * @param value the serialized protobuf message, or null for a tombstone
 */
public record StateRecord(StateTopic topic, String key, byte[] value) {

    public StateRecord {
        if (topic == null || key == null) {
            throw new IllegalArgumentException("topic and key must not be null");
        }
    }

    public boolean isTombstone() {
        return value == null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateRecord r && topic == r.topic && key.equals(r.key) && Arrays.equals(value, r.value);
    }

    @Override
    public int hashCode() {
        return (topic.hashCode() * 31 + key.hashCode()) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return topic + "/" + key + (value == null ? " (tombstone)" : " (" + value.length + " B)");
    }
}
