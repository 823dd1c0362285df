package dev.tendril.eventstore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the compacted state topics must hold: the latest record per key of every state record the
 * relay has published (a tombstone removes the key). The relay compares it with what a topic really
 * holds and publishes the difference, so a topic that was damaged from outside (a tombstone written
 * by hand, a record lost to a misconfigured retention) converges back to the service's state.
 * Single-threaded: owned by the relay's thread.
 */
final class StateTopicAudit {

    private final Map<String, Map<String, byte[]>> expected = new HashMap<>();

    StateTopicAudit(Set<String> topics) {
        topics.forEach(topic -> expected.put(topic, new HashMap<>()));
    }

    void apply(StateRecord record) {
        Map<String, byte[]> topic = expected.computeIfAbsent(record.topic(), t -> new HashMap<>());
        if (record.isTombstone()) {
            topic.remove(record.key());
        } else {
            topic.put(record.key(), record.value());
        }
    }

    int size(String topic) {
        return expected.getOrDefault(topic, Map.of()).size();
    }

    /**
     * The records that bring {@code actual} (key to latest value, tombstoned keys absent) to the
     * expected state of {@code topic}: an upsert for every key missing or different, a tombstone for
     * every key that should not be there. Sorted by key, so a repair is reproducible.
     */
    List<StateRecord> repairs(String topic, Map<String, byte[]> actual) {
        Map<String, byte[]> want = expected.getOrDefault(topic, Map.of());
        List<StateRecord> repairs = new ArrayList<>();
        for (String key : new TreeSet<>(want.keySet())) {
            byte[] value = want.get(key);
            if (!Arrays.equals(value, actual.get(key))) {
                repairs.add(StateRecord.upsert(topic, key, value));
            }
        }
        for (String key : new TreeSet<>(actual.keySet())) {
            if (!want.containsKey(key)) {
                repairs.add(StateRecord.tombstone(topic, key));
            }
        }
        return repairs;
    }
}
