package dev.tendril.topics;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;

/**
 * A snapshot of a {@link TopicFollower}, replaced whole after every step.
 *
 * @param caughtUp whether the one-time caught-up signal was given (also true while retrying afterwards)
 * @param partitions every assigned partition's next offset to hand over and last known end offset
 * @param recordsApplied records the handler applied (a batch handed over again counts again)
 * @param recordsRejected records the deserializers could not read
 * @param lastFailure the last failure, also after recovery; {@link #state()} says whether it still holds
 */
public record FollowerStatus(
        FollowerState state,
        boolean caughtUp,
        Map<TopicPartition, PartitionProgress> partitions,
        long recordsApplied,
        long recordsRejected,
        Optional<Failure> lastFailure) {

    public FollowerStatus {
        partitions = Map.copyOf(partitions);
    }

    /**
     * One partition's progress.
     *
     * @param position the next offset the handler gets
     * @param end the partition's end offset as of the start or the last check (about every check interval)
     */
    public record PartitionProgress(long position, long end) {

        /** Records known to exist but not handed over yet. */
        public long lag() {
            return Math.max(0, end - position);
        }
    }

    /** A failed step: what went wrong and when. */
    public record Failure(String message, Instant at) {}

    /** Records known to exist in every followed partition but not handed over yet. */
    public long lag() {
        return partitions.values().stream().mapToLong(PartitionProgress::lag).sum();
    }

    /** {@link #lag()} of one topic's partitions. */
    public long lag(String topic) {
        return partitions.entrySet().stream()
                .filter(e -> e.getKey().topic().equals(topic))
                .mapToLong(e -> e.getValue().lag())
                .sum();
    }

    /** The failure the follower is retrying now, if it is. */
    public Optional<Failure> problem() {
        return state == FollowerState.RETRYING ? lastFailure : Optional.empty();
    }
}
