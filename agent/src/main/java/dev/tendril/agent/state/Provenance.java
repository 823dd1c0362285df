package dev.tendril.agent.state;

import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an image reflects (KRaft's MetadataProvenance, per followed topic and partition): the offset of the
 * next record it has not replayed. An image built from records without offsets (tests, a snapshot at
 * hand) has none for them. Immutable.
 *
 * @param next per topic, partition to the offset after the last record replayed
 */
public record Provenance(Map<StateTopic, Map<Integer, Long>> next) {

    public static final Provenance NONE = new Provenance(Map.of());

    public Provenance {
        EnumMap<StateTopic, Map<Integer, Long>> copy = new EnumMap<>(StateTopic.class);
        next.forEach((topic, partitions) -> {
            if (!partitions.isEmpty()) {
                copy.put(topic, Map.copyOf(partitions));
            }
        });
        next = copy.isEmpty() ? Map.of() : Collections.unmodifiableMap(copy);
    }

    /** The offset after the last record of that partition this image replayed; 0 when none. */
    public long next(StateTopic topic, int partition) {
        return next.getOrDefault(topic, Map.of()).getOrDefault(partition, 0L);
    }

    /** This provenance moved on by {@code advanced} (per topic, partition to next offset); offsets never go back. */
    public Provenance advance(Map<StateTopic, Map<Integer, Long>> advanced) {
        if (advanced.isEmpty()) {
            return this;
        }
        // Runs for every batch: topics and partitions the batch did not move keep their (immutable) maps, which
        // the canonical constructor takes as they are.
        EnumMap<StateTopic, Map<Integer, Long>> out = null;
        for (Map.Entry<StateTopic, Map<Integer, Long>> t : advanced.entrySet()) {
            Map<Integer, Long> held = next.getOrDefault(t.getKey(), Map.of());
            Map<Integer, Long> merged = null;
            for (Map.Entry<Integer, Long> p : t.getValue().entrySet()) {
                Long was = held.get(p.getKey());
                if (was != null && was >= p.getValue()) {
                    continue;
                }
                if (merged == null) {
                    merged = new HashMap<>(held);
                }
                merged.put(p.getKey(), p.getValue());
            }
            if (merged != null) {
                if (out == null) {
                    out = new EnumMap<>(StateTopic.class);
                    out.putAll(next);
                }
                out.put(t.getKey(), Map.copyOf(merged));
            }
        }
        return out == null ? this : new Provenance(out);
    }

    /** {@code ENDPOINTS 0@1200 1@1187, POLICY 0@40}: per topic, partition@next offset. */
    @Override
    public String toString() {
        if (next.isEmpty()) {
            return "no offsets";
        }
        StringBuilder b = new StringBuilder();
        next.forEach((t, p) -> {
            b.append(b.isEmpty() ? "" : ", ").append(t);
            new TreeMap<>(p)
                    .forEach((partition, offset) ->
                            b.append(' ').append(partition).append('@').append(offset));
        });
        return b.toString();
    }
}
