package dev.tendril.flows.domain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Puts followed flows of several nodes back in time order, as hubble-relay's sort buffer does: nodes'
 * flows reach the service through different partitions and batches, so each flow waits up to
 * {@code windowNanos} after it arrived for older flows of other nodes; a full buffer drains its oldest.
 *
 * <p>A binary heap over parallel arrays (flow time, arrival order, arrival time, flow) rather than a
 * {@code PriorityQueue} of entries: every follower sorts every flow it gets, and comparing through an
 * entry and its flow was a third of a follow loop's time.
 */
public final class SortBuffer {

    private final long windowNanos;
    private final int maxLength;
    private long[] times = new long[64];
    private long[] orders = new long[64];
    private long[] arrivals = new long[64];
    private StoredFlow[] flows = new StoredFlow[64];
    private int size;
    private long order;

    public SortBuffer(long windowNanos, int maxLength) {
        this.windowNanos = windowNanos;
        this.maxLength = maxLength;
    }

    public void add(StoredFlow flow, long nowNanos) {
        if (size == flows.length) {
            int grown = size * 2;
            times = Arrays.copyOf(times, grown);
            orders = Arrays.copyOf(orders, grown);
            arrivals = Arrays.copyOf(arrivals, grown);
            flows = Arrays.copyOf(flows, grown);
        }
        long time = flow.timeNanos;
        long seq = order++;
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(time, seq, parent)) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        set(i, time, seq, nowNanos, flow);
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
        while (size > 0 && (size > maxLength || nowNanos - arrivals[0] >= windowNanos)) {
            out.accept(poll());
            drained++;
        }
        return drained;
    }

    /** How long until the oldest pending flow may go: 0 when it may now, Long.MAX_VALUE when none waits. */
    public long nanosUntilDue(long nowNanos) {
        if (size == 0) {
            return Long.MAX_VALUE;
        }
        if (size > maxLength) {
            return 0;
        }
        return Math.max(0, arrivals[0] + windowNanos - nowNanos);
    }

    public boolean isEmpty() {
        return size == 0;
    }

    private StoredFlow poll() {
        StoredFlow first = flows[0];
        int last = --size;
        long time = times[last];
        long seq = orders[last];
        long arrived = arrivals[last];
        StoredFlow flow = flows[last];
        flows[last] = null;
        if (last == 0) {
            return first;
        }
        int i = 0;
        int half = last >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < last && before(times[right], orders[right], child)) {
                child = right;
            }
            if (!before(times[child], orders[child], time, seq)) {
                break;
            }
            move(child, i);
            i = child;
        }
        set(i, time, seq, arrived, flow);
        return first;
    }

    private boolean before(long time, long seq, int slot) {
        return before(time, seq, times[slot], orders[slot]);
    }

    private static boolean before(long time, long seq, long otherTime, long otherSeq) {
        return time != otherTime ? time < otherTime : seq < otherSeq;
    }

    private void move(int from, int to) {
        set(to, times[from], orders[from], arrivals[from], flows[from]);
    }

    private void set(int slot, long time, long seq, long arrived, StoredFlow flow) {
        times[slot] = time;
        orders[slot] = seq;
        arrivals[slot] = arrived;
        flows[slot] = flow;
    }
}
