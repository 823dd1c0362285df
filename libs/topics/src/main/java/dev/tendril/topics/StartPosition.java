package dev.tendril.topics;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a follower starts reading a partition (also one that appears later). Offsets outside what the
 * partition holds are moved to its nearest end, so a stale offset never makes the consumer reset silently.
 */
public sealed interface StartPosition {

    /** From the first record the partition holds: the whole snapshot of a compacted topic. */
    record Beginning() implements StartPosition {}

    /** From the given next offsets; partitions not in the map from their beginning. */
    record Offsets(Map<TopicPartition, Long> offsets) implements StartPosition {
        public Offsets {
            offsets = Map.copyOf(offsets);
        }
    }

    /** The last {@code records} records of each partition (all of them when it holds fewer). */
    record Tail(long records) implements StartPosition {
        public Tail {
            if (records < 0) {
                throw new IllegalArgumentException("tail records must not be negative: " + records);
            }
        }
    }

    static StartPosition beginning() {
        return new Beginning();
    }

    static StartPosition offsets(Map<TopicPartition, Long> offsets) {
        return new Offsets(offsets);
    }

    static StartPosition tail(long records) {
        return new Tail(records);
    }

    /** The offset to start {@code partition} at, which holds offsets {@code begin} (inclusive) to {@code end}. */
    default long offset(TopicPartition partition, long begin, long end) {
        long wanted = switch (this) {
            case Beginning b -> begin;
            case Offsets o -> o.offsets().getOrDefault(partition, begin);
            case Tail t -> end - Math.min(t.records(), end);
        };
        return Math.min(end, Math.max(begin, wanted));
    }
}
