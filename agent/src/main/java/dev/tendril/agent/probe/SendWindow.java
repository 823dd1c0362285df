package dev.tendril.agent.probe;

import java.time.Duration;

/**
 * The bounded window of a publisher whose sends the broker acknowledges later: at most {@code capacity} records
 * in flight. A record that finds the window full is dropped and counted (Hubble's LostEvent: the publisher never
 * blocks the datapath's reporting); the count waits until there is room again to be reported in one record of its
 * own, which takes a slot like any other. Thread-safe.
 */
public final class SendWindow {

    private final int capacity;
    private int inFlight;
    private long unreported;
    private long lost;

    public SendWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.capacity = capacity;
    }

    /** Takes a slot for a record, or counts it lost when the window is full. */
    public synchronized boolean tryAcquire() {
        if (inFlight >= capacity) {
            unreported++;
            lost++;
            return false;
        }
        inFlight++;
        return true;
    }

    /**
     * The losses not yet reported, with a slot taken for the record that reports them; 0 (and no slot) when there
     * are none or the window is full.
     */
    public synchronized long takeUnreported() {
        if (unreported == 0 || inFlight >= capacity) {
            return 0;
        }
        inFlight++;
        long count = unreported;
        unreported = 0;
        return count;
    }

    /** A report that could not be sent: its losses are reported again with the next one. */
    public synchronized void unreported(long count) {
        unreported += count;
    }

    /** A record acknowledged or failed: its slot is free again. */
    public synchronized void release() {
        inFlight--;
        notifyAll();
    }

    public synchronized long lost() {
        return lost;
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    public int capacity() {
        return capacity;
    }

    /** Waits until nothing is in flight, at most {@code timeout}; whether it got there. */
    public synchronized boolean awaitEmpty(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
