package dev.tendril.topics;

import dev.tendril.topics.FollowerStatus.PartitionProgress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * The follower thread's bookkeeping: per partition the next offset the handler gets and the last known
 * end, the end offsets the bootstrap must reach, and the read-to-end requests waiting for their offsets.
 * The follower thread's alone; others see {@link FollowerStatus} snapshots.
 */
final class Progress {

    private record Barrier(CompletableFuture<FollowerStatus> done, Map<TopicPartition, Long> targets) {}

    private final Map<TopicPartition, Long> positions = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> ends = new HashMap<>();
    private final List<Barrier> barriers = new ArrayList<>();
    private Map<TopicPartition, Long> bootstrapTargets = Map.of();
    private long applied;
    private long rejected;

    Set<TopicPartition> partitions() {
        return positions.keySet();
    }

    Map<TopicPartition, Long> positions() {
        return positions;
    }

    void add(TopicPartition partition, long start, long end) {
        positions.put(partition, start);
        ends.put(partition, end);
    }

    void advance(TopicPartition partition, long next) {
        positions.put(partition, next);
    }

    void ends(Map<TopicPartition, Long> latest) {
        latest.forEach((partition, end) -> {
            if (end != null && positions.containsKey(partition)) {
                ends.put(partition, end);
            }
        });
    }

    /** The bootstrap's goal: the end offsets as they are now (right after the first assignment). */
    void captureBootstrapTargets() {
        bootstrapTargets = Map.copyOf(ends);
    }

    boolean bootstrapReached() {
        return reached(bootstrapTargets);
    }

    /** Waits for the end offsets as they are now (right after a check). */
    void await(CompletableFuture<FollowerStatus> done) {
        barriers.add(new Barrier(done, Map.copyOf(ends)));
    }

    /** Removes and returns the requests whose offsets were handed over. */
    List<CompletableFuture<FollowerStatus>> reachedBarriers() {
        List<CompletableFuture<FollowerStatus>> out = new ArrayList<>();
        for (Iterator<Barrier> it = barriers.iterator(); it.hasNext(); ) {
            Barrier b = it.next();
            if (reached(b.targets())) {
                it.remove();
                out.add(b.done());
            }
        }
        return out;
    }

    void cancelBarriers(Throwable why) {
        barriers.forEach(b -> b.done().completeExceptionally(why));
        barriers.clear();
    }

    void applied(int records) {
        applied += records;
    }

    void rejected() {
        rejected++;
    }

    long appliedCount() {
        return applied;
    }

    FollowerStatus status(FollowerState state, boolean caughtUp, FollowerStatus.Failure lastFailure) {
        return new FollowerStatus(state, caughtUp, snapshot(), applied, rejected, Optional.ofNullable(lastFailure));
    }

    Map<TopicPartition, PartitionProgress> snapshot() {
        Map<TopicPartition, PartitionProgress> out = new HashMap<>();
        positions.forEach((partition, position) ->
                out.put(partition, new PartitionProgress(position, ends.getOrDefault(partition, position))));
        return out;
    }

    private boolean reached(Map<TopicPartition, Long> targets) {
        for (Map.Entry<TopicPartition, Long> e : targets.entrySet()) {
            if (positions.getOrDefault(e.getKey(), 0L) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
