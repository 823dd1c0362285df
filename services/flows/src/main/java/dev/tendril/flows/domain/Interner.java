package dev.tendril.flows.domain;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Shares equal values (peers, addresses, node names) between stored flows so a ring holds references,
 * not copies. Bounded: past {@code maxEntries} distinct values (e.g. a scan from many world addresses)
 * new values are returned as they are, still correct, only not shared.
 */
public final class Interner<K, V> {

    private final ConcurrentHashMap<K, V> values = new ConcurrentHashMap<>();
    private final int maxEntries;

    public Interner(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** The value known for {@code key}, or null. */
    public V get(K key) {
        return values.get(key);
    }

    public V intern(K key, Function<K, V> create) {
        V known = values.get(key);
        if (known != null) {
            return known;
        }
        V created = create.apply(key);
        if (values.size() >= maxEntries) {
            return created;
        }
        V raced = values.putIfAbsent(key, created);
        return raced != null ? raced : created;
    }

    public int size() {
        return values.size();
    }
}
