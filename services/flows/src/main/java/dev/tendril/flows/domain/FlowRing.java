package dev.tendril.flows.domain;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node's ring buffer, Hubble's design: capacity 2^n-1 (1..65535) in an array of 2^n slots, one
 * writer, lock-free readers. Flow number {@code s} (0-based, ever growing) lives in slot
 * {@code s & mask}. The spare slot is what lets a reader tell a slot it read from one the writer was
 * already overwriting: a read of {@code s} is valid when, after reading, {@code s >= written - capacity}.
 */
public final class FlowRing {

    public static final int MAX_CAPACITY = 65535;

    private final String node;
    private final int capacity;
    private final int mask;
    private final StoredFlow[] slots;
    private final AtomicLong written = new AtomicLong();
    private volatile long lastWriteMillis;

    public FlowRing(String node, int capacity) {
        validateCapacity(capacity);
        this.node = node;
        this.capacity = capacity;
        this.mask = capacity;
        this.slots = new StoredFlow[capacity + 1];
    }

    /** Hubble's rule: 2^n-1 between 1 and 65535. */
    public static void validateCapacity(int capacity) {
        if (capacity < 1 || capacity > MAX_CAPACITY || ((capacity + 1) & capacity) != 0) {
            throw new IllegalArgumentException("ring capacity must be 2^n-1 between 1 and " + MAX_CAPACITY + ", got "
                    + capacity);
        }
    }

    public String node() {
        return node;
    }

    public int capacity() {
        return capacity;
    }

    /** Single writer only. */
    public void write(StoredFlow flow, long nowMillis) {
        long seq = written.get();
        slots[(int) (seq & mask)] = flow;
        written.setRelease(seq + 1);
        lastWriteMillis = nowMillis;
    }

    /** Flows ever written: the next flow's number. */
    public long written() {
        return written.getAcquire();
    }

    /** Number of the oldest flow still held. */
    public long oldest() {
        return Math.max(0, written() - capacity);
    }

    public int size() {
        return (int) Math.min(capacity, written());
    }

    public long lastWriteMillis() {
        return lastWriteMillis;
    }

    /** Flow number {@code seq}, or null when it was overwritten (or not yet written). */
    public StoredFlow read(long seq) {
        if (seq < 0 || seq >= written()) {
            return null;
        }
        StoredFlow flow = slots[(int) (seq & mask)];
        VarHandle.acquireFence();
        return seq >= written.getAcquire() - capacity ? flow : null;
    }
}
