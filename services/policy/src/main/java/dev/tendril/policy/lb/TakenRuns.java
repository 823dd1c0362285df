package dev.tendril.policy.lb;

import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A set of taken values (ClusterIPs, NodePorts, reverse-NAT indexes) kept as maximal runs of consecutive
 * values, so that the lowest free value from a point is found in O(log n): it is the point itself, or the
 * value after the end of the run holding it.
 *
 * @param <T> the values, ordered; {@code next} and {@code previous} give null at the ends of their space
 */
final class TakenRuns<T extends Comparable<T>> {

    /** First value of each run to its last (inclusive); no two runs touch. */
    private final TreeMap<T, T> runs = new TreeMap<>();

    private final UnaryOperator<T> next;
    private final UnaryOperator<T> previous;

    TakenRuns(UnaryOperator<T> next, UnaryOperator<T> previous) {
        this.next = next;
        this.previous = previous;
    }

    static TakenRuns<Integer> ofIntegers() {
        return new TakenRuns<>(v -> v == Integer.MAX_VALUE ? null : v + 1, v -> v == Integer.MIN_VALUE ? null : v - 1);
    }

    boolean contains(T value) {
        Map.Entry<T, T> run = runs.floorEntry(value);
        return run != null && run.getValue().compareTo(value) >= 0;
    }

    /** Takes {@code value}; false when it was taken already. */
    boolean add(T value) {
        if (contains(value)) {
            return false;
        }
        T first = value;
        T last = value;
        T before = previous.apply(value);
        if (before != null) {
            Map.Entry<T, T> lower = runs.floorEntry(before);
            if (lower != null && lower.getValue().compareTo(before) == 0) {
                first = lower.getKey();
            }
        }
        T after = next.apply(value);
        if (after != null) {
            T end = runs.remove(after);
            if (end != null) {
                last = end;
            }
        }
        runs.put(first, last);
        return true;
    }

    /** Frees {@code value}; false when it was free. */
    boolean remove(T value) {
        Map.Entry<T, T> run = runs.floorEntry(value);
        if (run == null || run.getValue().compareTo(value) < 0) {
            return false;
        }
        T first = run.getKey();
        T last = run.getValue();
        runs.remove(first);
        if (first.compareTo(value) < 0) {
            runs.put(first, previous.apply(value));
        }
        if (last.compareTo(value) > 0) {
            runs.put(next.apply(value), last);
        }
        return true;
    }

    /** The lowest value at or after {@code from} that is not taken; null when every one up to the end is. */
    T firstFreeFrom(T from) {
        Map.Entry<T, T> run = runs.floorEntry(from);
        if (run == null || run.getValue().compareTo(from) < 0) {
            return from;
        }
        return next.apply(run.getValue());
    }

    /**
     * The lowest value at or after {@code from} that is free for a Service: not taken, or taken by the
     * Service itself ({@code own}, values this set holds), and not in {@code alsoTaken} (what the same
     * decision took already). Null when none is left before the end of the space.
     */
    T lowestFree(T from, NavigableSet<T> own, Set<T> alsoTaken) {
        T at = from;
        while (at != null) {
            T free = firstFreeFrom(at);
            T owned = own.ceiling(at);
            T candidate = owned != null && (free == null || owned.compareTo(free) < 0) ? owned : free;
            if (candidate == null || !alsoTaken.contains(candidate)) {
                return candidate;
            }
            at = next.apply(candidate);
        }
        return null;
    }

    /** The runs, first to last, for comparing two sets in tests. */
    Map<T, T> runs() {
        return new TreeMap<>(runs);
    }

    @Override
    public String toString() {
        return runs.toString();
    }
}
