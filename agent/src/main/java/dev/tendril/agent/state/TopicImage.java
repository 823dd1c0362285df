package dev.tendril.agent.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The content of one followed topic as an image holds it (KRaft's sub-images, which Kafka builds on a
 * persistent map for the same reason): an immutable map whose next version, {@link #with}, costs what the
 * changes touch, not the size of the map. It is a hash array mapped trie (Bagwell's HAMT, as in Clojure's and
 * Scala's persistent maps): 32-way nodes indexed by five bits of the key's hash at a time, so a change copies
 * the few nodes on its key's path (four levels for 150,000 endpoints) and every other node is shared with the
 * version before. A batch of one record into 150,000 endpoints touches four arrays of at most 32 slots, where
 * a copy of the map touched all of them. Read-only for its users; null keys and values are refused.
 *
 * <p>The nodes a batch (or {@link #of}) creates are changed in place while that batch runs, then never again:
 * they belong to the version it returns.
 */
public final class TopicImage<K, V> extends AbstractMap<K, V> {

    private static final TopicImage<?, ?> EMPTY = new TopicImage<>(null, 0);

    private final HashTrie.Node root;
    private final int size;

    private TopicImage(HashTrie.Node root, int size) {
        this.root = root;
        this.size = size;
    }

    /** A copy of {@code entries}; an image is returned as it is. */
    @SuppressWarnings("unchecked")
    public static <K, V> TopicImage<K, V> of(Map<K, V> entries) {
        if (entries instanceof TopicImage<K, V> image) {
            return image;
        }
        if (entries.isEmpty()) {
            return (TopicImage<K, V>) EMPTY;
        }
        HashTrie.Edit edit = new HashTrie.Edit();
        HashTrie.Node root = null;
        for (Map.Entry<K, V> e : entries.entrySet()) {
            Object k = requireKey(e.getKey());
            root = HashTrie.put(root, edit, 0, HashTrie.hash(k), k, requireValue(e.getValue()));
        }
        return new TopicImage<>(root, edit.size);
    }

    /**
     * The next version: {@code changes} applied, a null value removing its key. This image is unchanged
     * and returned as it is when there are no changes.
     */
    public TopicImage<K, V> with(Map<K, V> changes) {
        if (changes.isEmpty()) {
            return this;
        }
        HashTrie.Edit edit = new HashTrie.Edit();
        edit.size = size;
        HashTrie.Node next = root;
        for (Map.Entry<K, V> c : changes.entrySet()) {
            Object k = requireKey(c.getKey());
            Object v = c.getValue();
            if (v == null) {
                next = next == null ? null : HashTrie.remove(next, edit, 0, HashTrie.hash(k), k);
            } else {
                next = HashTrie.put(next, edit, 0, HashTrie.hash(k), k, v);
            }
        }
        return next == root ? this : new TopicImage<>(next, edit.size);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        return key == null || root == null ? null : (V) HashTrie.get(root, key);
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
        if (root != null) {
            HashTrie.forEach(root, (BiConsumer<Object, Object>) action);
        }
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

    /** Depth first over the trie; entries are read-only. */
    private final class Entries implements Iterator<Entry<K, V>> {
        private final Deque<Object[]> arrays = new ArrayDeque<>();
        private final Deque<Integer> positions = new ArrayDeque<>();
        private Object[] array;
        private int position;
        private Entry<K, V> next;

        Entries() {
            array = root == null ? new Object[0] : root.array();
        }

        @Override
        @SuppressWarnings("unchecked")
        public boolean hasNext() {
            while (next == null) {
                if (position >= array.length) {
                    if (arrays.isEmpty()) {
                        return false;
                    }
                    array = arrays.pop();
                    position = positions.pop();
                    continue;
                }
                Object k = array[position];
                Object v = array[position + 1];
                position += 2;
                if (k != null) {
                    next = new SimpleImmutableEntry<>((K) k, (V) v);
                } else if (v != null) {
                    arrays.push(array);
                    positions.push(position);
                    array = ((HashTrie.Node) v).array();
                    position = 0;
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
