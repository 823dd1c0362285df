package dev.tendril.agent.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in whole milliseconds (0 .. {@value #MAX_MILLIS}, longer ones counted in the last bucket), recorded
 * from many threads at once, sent between JVMs as one line and merged: a run's millions of (agent, change)
 * samples in a fixed few hundred kilobytes.
 */
public final class LatencyHistogram {

    static final int MAX_MILLIS = 600_000;

    private final AtomicLongArray counts = new AtomicLongArray(MAX_MILLIS + 1);

    public void record(long micros) {
        counts.incrementAndGet((int) Math.clamp(micros / 1000, 0, MAX_MILLIS));
    }

    public long count() {
        long n = 0;
        for (int i = 0; i <= MAX_MILLIS; i++) {
            n += counts.get(i);
        }
        return n;
    }

    /** The smallest latency in ms that at least {@code q} of the samples do not exceed; -1 when empty. */
    public long percentile(double q) {
        long n = count();
        if (n == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i <= MAX_MILLIS; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return i;
            }
        }
        return MAX_MILLIS;
    }

    public long max() {
        for (int i = MAX_MILLIS; i >= 0; i--) {
            if (counts.get(i) > 0) {
                return i;
            }
        }
        return -1;
    }

    public void add(LatencyHistogram other) {
        for (int i = 0; i <= MAX_MILLIS; i++) {
            long c = other.counts.get(i);
            if (c != 0) {
                counts.addAndGet(i, c);
            }
        }
    }

    /** {@code ms:count ms:count ...} of the non-empty buckets ({@code -} when empty). */
    public String encode() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i <= MAX_MILLIS; i++) {
            long c = counts.get(i);
            if (c != 0) {
                parts.add(i + ":" + c);
            }
        }
        return parts.isEmpty() ? "-" : String.join(" ", parts);
    }

    public static LatencyHistogram decode(String line) {
        LatencyHistogram h = new LatencyHistogram();
        if (line.isBlank() || line.equals("-")) {
            return h;
        }
        for (String part : line.trim().split(" ")) {
            int colon = part.indexOf(':');
            h.counts.addAndGet(Integer.parseInt(part.substring(0, colon)), Long.parseLong(part.substring(colon + 1)));
        }
        return h;
    }
}
