package dev.tendril.flows.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * Puts followed flows of several nodes back in time order, as hubble-relay's sort buffer does: nodes'
 * flows reach the service through different partitions and batches, so each flow waits up to
 * {@code windowNanos} after it arrived for older flows of other nodes; a full buffer drains its oldest.
 */
public final class SortBuffer {

    private record Pending(StoredFlow flow, long arrivedNanos, long order) {}

    private final long windowNanos;
    private final int maxLength;
    private final PriorityQueue<Pending> queue = new PriorityQueue<>((a, b) -> a.flow().timeNanos != b.flow().timeNanos
            ? Long.compare(a.flow().timeNanos, b.flow().timeNanos)
            : Long.compare(a.order(), b.order()));
    private long order;

    public SortBuffer(long windowNanos, int maxLength) {
        this.windowNanos = windowNanos;
        this.maxLength = maxLength;
    }

    public void add(StoredFlow flow, long nowNanos) {
        queue.add(new Pending(flow, nowNanos, order++));
    }

    /**
     * Flows that may go out now, oldest first: while the oldest pending flow has waited its window
     * (or the buffer is over its length), it goes.
     */
    public List<StoredFlow> drain(long nowNanos) {
        List<StoredFlow> out = new ArrayList<>();
        drain(nowNanos, out::add);
        return out;
    }

    /** {@link #drain(long)} into {@code out}, returning how many went. */
    public int drain(long nowNanos, Consumer<StoredFlow> out) {
        int drained = 0;
        while (!queue.isEmpty()
                && (queue.size() > maxLength || nowNanos - queue.peek().arrivedNanos() >= windowNanos)) {
            out.accept(queue.poll().flow());
            drained++;
        }
        return drained;
    }

    /** How long until the oldest pending flow may go: 0 when it may now, Long.MAX_VALUE when none waits. */
    public long nanosUntilDue(long nowNanos) {
        if (queue.isEmpty()) {
            return Long.MAX_VALUE;
        }
        if (queue.size() > maxLength) {
            return 0;
        }
        return Math.max(0, queue.peek().arrivedNanos() + windowNanos - nowNanos);
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }
}
