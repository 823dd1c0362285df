package dev.tendril.agent.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The content of one followed topic as an image holds it (KRaft's sub-images): an immutable map whose next
 * version, {@link #with}, costs about the square root of its size instead of a copy of it. A version is a
 * shared base map nobody changes plus a small overlay of the keys changed since (a removed key maps to a
 * marker); once the overlay outgrows its bound the next version folds it into a new base. Copying the
 * overlay (at most the bound) and the amortised share of a fold (size / bound per changed key) balance at a
 * bound of about the square root of the size: a batch of one record into 150,000 endpoints touches a few
 * hundred entries, where a copy touched all of them. Read-only for its users; null keys and values are
 * refused.
 */
public final class TopicImage<K, V> extends AbstractMap<K, V> {

    private static final Object REMOVED = new Object();
    private static final int MIN_OVERLAY = 32;

    private final Map<K, V> base;
    private final Map<K, Object> overlay;
    private final int size;

    private TopicImage(Map<K, V> base, Map<K, Object> overlay, int size) {
        this.base = base;
        this.overlay = overlay;
        this.size = size;
    }

    /** A copy of {@code entries}; an image is returned as it is. */
    public static <K, V> TopicImage<K, V> of(Map<K, V> entries) {
        if (entries instanceof TopicImage<K, V> image) {
            return image;
        }
        Map<K, V> copy = new HashMap<>(Math.max(16, entries.size() * 4 / 3 + 1));
        entries.forEach((k, v) -> copy.put(requireKey(k), requireValue(v)));
        return new TopicImage<>(copy, Map.of(), copy.size());
    }

    /** Takes {@code owned}, a map no one else holds or changes afterwards, without copying it. */
    static <K, V> TopicImage<K, V> adopt(Map<K, V> owned) {
        return new TopicImage<>(owned, Map.of(), owned.size());
    }

    /**
     * The next version: {@code changes} applied, a null value removing its key. This image is unchanged
     * and returned as it is when there are no changes.
     */
    public TopicImage<K, V> with(Map<K, V> changes) {
        if (changes.isEmpty()) {
            return this;
        }
        int next = size;
        for (Map.Entry<K, V> c : changes.entrySet()) {
            boolean had = containsKey(requireKey(c.getKey()));
            if (c.getValue() == null) {
                next -= had ? 1 : 0;
            } else {
                next += had ? 0 : 1;
            }
        }
        if (overlay.size() + changes.size() > bound(next)) {
            Map<K, V> folded = new HashMap<>(Math.max(16, next * 4 / 3 + 1));
            forEach(folded::put);
            changes.forEach((k, v) -> {
                if (v == null) {
                    folded.remove(k);
                } else {
                    folded.put(k, v);
                }
            });
            return new TopicImage<>(folded, Map.of(), next);
        }
        Map<K, Object> layered = new HashMap<>(overlay);
        changes.forEach((k, v) -> layered.put(k, v == null ? REMOVED : v));
        return new TopicImage<>(base, layered, next);
    }

    private static int bound(int size) {
        return Math.max(MIN_OVERLAY, 2 * (int) Math.sqrt(size));
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        Object o = overlay.get(key);
        if (o != null) {
            return o == REMOVED ? null : (V) o;
        }
        return base.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void forEach(BiConsumer<? super K, ? super V> action) {
        if (overlay.isEmpty()) {
            base.forEach(action);
            return;
        }
        base.forEach((k, v) -> {
            if (!overlay.containsKey(k)) {
                action.accept(k, v);
            }
        });
        overlay.forEach((k, o) -> {
            if (o != REMOVED) {
                action.accept(k, (V) o);
            }
        });
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<K, V>> iterator() {
                return new Entries();
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /** The base's entries the overlay does not shadow, then the overlay's live ones; read-only. */
    private final class Entries implements Iterator<Entry<K, V>> {
        private final Iterator<Entry<K, V>> fromBase = base.entrySet().iterator();
        private final Iterator<Entry<K, Object>> fromOverlay =
                overlay.entrySet().iterator();
        private Entry<K, V> next;

        @Override
        @SuppressWarnings("unchecked")
        public boolean hasNext() {
            while (next == null) {
                if (fromBase.hasNext()) {
                    Entry<K, V> e = fromBase.next();
                    if (!overlay.containsKey(e.getKey())) {
                        next = new SimpleImmutableEntry<>(e);
                    }
                } else if (fromOverlay.hasNext()) {
                    Entry<K, Object> e = fromOverlay.next();
                    if (e.getValue() != REMOVED) {
                        next = new SimpleImmutableEntry<>(e.getKey(), (V) e.getValue());
                    }
                } else {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Entry<K, V> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Entry<K, V> out = next;
            next = null;
            return out;
        }
    }

    private static <T> T requireKey(T key) {
        if (key == null) {
            throw new IllegalArgumentException("an image holds no null key");
        }
        return key;
    }

    private static <T> T requireValue(T value) {
        if (value == null) {
            throw new IllegalArgumentException("an image holds no null value");
        }
        return value;
    }
}
