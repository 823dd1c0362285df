package dev.tendril.flows.adapters;

import io.micrometer.core.instrument.Counter;

/**
 * One thread's counts for a batch of flows, by counter, added to the counters at {@link #flush()}: the ingest counts
 * each flow in a plain array and increments each counter once per batch, where a {@link Counter#increment()} per
 * flow and metric cost a shared adder each (and, through Quarkus' composite registry, a call per registry). The
 * counters' values are the same once the batch is flushed; a scrape in between sees the batch not yet counted.
 *
 * <p>Keys are {@link FlowMetrics}' numbers for a label combination (never 0). The table keeps its counters between
 * batches, up to {@value #KEPT} of them, so a flow of a known combination costs an array lookup and an addition.
 * Not thread-safe: one per ingest thread.
 */
public final class CounterTally {

    /** Counters kept from one batch to the next; past that many the table is emptied at the next flush. */
    static final int KEPT = 4096;

    private long[] keys = new long[64];
    private Counter[] counters = new Counter[64];
    private long[] counts = new long[64];
    private int size;

    /** Counts one more for {@code key}; false when the key has no counter here yet (then {@link #add} it). */
    public boolean increment(long key) {
        int slot = slot(key);
        if (counters[slot] == null) {
            return false;
        }
        counts[slot]++;
        return true;
    }

    /** Counts one for {@code key}, which {@link #increment} did not know, on {@code counter}. */
    public void add(long key, Counter counter) {
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int slot = slot(key);
        keys[slot] = key;
        counters[slot] = counter;
        counts[slot] = 1;
        size++;
    }

    /** Adds the counts to their counters and starts again from zero. */
    public void flush() {
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                counters[i].increment(counts[i]);
                counts[i] = 0;
            }
        }
        if (size > KEPT) {
            keys = new long[64];
            counters = new Counter[64];
            counts = new long[64];
            size = 0;
        }
    }

    private int slot(long key) {
        int mask = keys.length - 1;
        long mixed = key * 0x9E3779B97F4A7C15L;
        int slot = (int) (mixed ^ (mixed >>> 32)) & mask;
        while (counters[slot] != null && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private void grow() {
        long[] oldKeys = keys;
        Counter[] oldCounters = counters;
        long[] oldCounts = counts;
        keys = new long[oldKeys.length * 2];
        counters = new Counter[keys.length];
        counts = new long[keys.length];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldCounters[i] != null) {
                int slot = slot(oldKeys[i]);
                keys[slot] = oldKeys[i];
                counters[slot] = oldCounters[i];
                counts[slot] = oldCounts[i];
            }
        }
    }
}
