package dev.tendril.policy.lb;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;

/**
 * What a tentative change to {@link LbState} did, to undo it: while recording, every mutation made through
 * it pushes its inverse; {@link #rollback} runs them newest first and stops recording. Outside a recording
 * the mutations are plain.
 */
final class UndoLog {

    private final ArrayDeque<Runnable> inverses = new ArrayDeque<>();
    private boolean recording;

    void begin() {
        if (recording) {
            throw new IllegalStateException("a tentative change is in progress already");
        }
        recording = true;
    }

    void rollback() {
        while (!inverses.isEmpty()) {
            inverses.pop().run();
        }
        recording = false;
    }

    /** Records how to undo a change made otherwise (a field assigned). */
    void undoWith(Runnable inverse) {
        if (recording) {
            inverses.push(inverse);
        }
    }

    <K, V> V put(Map<K, V> map, K key, V value) {
        V before = map.put(key, value);
        if (recording) {
            inverses.push(before == null ? () -> map.remove(key) : () -> map.put(key, before));
        }
        return before;
    }

    <K, V> V remove(Map<K, V> map, K key) {
        V before = map.remove(key);
        if (recording && before != null) {
            inverses.push(() -> map.put(key, before));
        }
        return before;
    }

    <T> boolean add(Set<T> set, T value) {
        boolean added = set.add(value);
        if (recording && added) {
            inverses.push(() -> set.remove(value));
        }
        return added;
    }

    <T> boolean remove(Set<T> set, T value) {
        boolean removed = set.remove(value);
        if (recording && removed) {
            inverses.push(() -> set.add(value));
        }
        return removed;
    }

    <T extends Comparable<T>> void add(TakenRuns<T> runs, T value) {
        if (runs.add(value) && recording) {
            inverses.push(() -> runs.remove(value));
        }
    }

    <T extends Comparable<T>> void remove(TakenRuns<T> runs, T value) {
        if (runs.remove(value) && recording) {
            inverses.push(() -> runs.add(value));
        }
    }
}
