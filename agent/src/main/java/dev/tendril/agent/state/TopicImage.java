package dev.tendril.agent.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayDeque;
import java.util.Arrays;
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

    private static final int BITS = 5;
    private static final int MASK = (1 << BITS) - 1;
    private static final TopicImage<?, ?> EMPTY = new TopicImage<>(null, 0);

    private final Node root;
    private final int size;

    private TopicImage(Node root, int size) {
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
        Edit edit = new Edit();
        Node root = null;
        for (Map.Entry<K, V> e : entries.entrySet()) {
            Object k = requireKey(e.getKey());
            root = put(root, edit, 0, hash(k), k, requireValue(e.getValue()));
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
        Edit edit = new Edit();
        edit.size = size;
        Node next = root;
        for (Map.Entry<K, V> c : changes.entrySet()) {
            Object k = requireKey(c.getKey());
            Object v = c.getValue();
            if (v == null) {
                next = next == null ? null : remove(next, edit, 0, hash(k), k);
            } else {
                next = put(next, edit, 0, hash(k), k, v);
            }
        }
        return next == root ? this : new TopicImage<>(next, edit.size);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        if (key == null || root == null) {
            return null;
        }
        int h = hash(key);
        Node n = root;
        int shift = 0;
        while (true) {
            if (n instanceof Collision c) {
                int i = c.indexOf(key);
                return i < 0 ? null : (V) c.array[i + 1];
            }
            Bitmap b = (Bitmap) n;
            int bit = 1 << ((h >>> shift) & MASK);
            if ((b.bitmap & bit) == 0) {
                return null;
            }
            int i = 2 * Integer.bitCount(b.bitmap & (bit - 1));
            Object k = b.array[i];
            if (k == null) {
                n = (Node) b.array[i + 1];
                shift += BITS;
                continue;
            }
            return key.equals(k) ? (V) b.array[i + 1] : null;
        }
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
            forEach(root, (BiConsumer<Object, Object>) action);
        }
    }

    private static void forEach(Node n, BiConsumer<Object, Object> action) {
        Object[] a = n.array();
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] != null) {
                action.accept(a[i], a[i + 1]);
            } else if (a[i + 1] != null) {
                forEach((Node) a[i + 1], action);
            }
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
                    array = ((Node) v).array();
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

    // --- the trie ---------------------------------------------------------------------------------------

    /** The nodes one batch creates (and so may change in place), and the size it reaches. */
    private static final class Edit {
        int size;
    }

    private sealed interface Node permits Bitmap, Collision {
        Object[] array();
    }

    /**
     * Up to 32 slots, one per five-bit hash fragment present in {@code bitmap}, in bit order: a slot is two
     * array cells, key and value, or null and the child node for keys sharing that fragment.
     */
    private static final class Bitmap implements Node {
        final Edit edit;
        int bitmap;
        Object[] array;

        Bitmap(Edit edit, int bitmap, Object[] array) {
            this.edit = edit;
            this.bitmap = bitmap;
            this.array = array;
        }

        @Override
        public Object[] array() {
            return array;
        }
    }

    /** Keys whose hashes are equal in all 32 bits: key and value pairs, searched by equality. */
    private static final class Collision implements Node {
        final Edit edit;
        final int hash;
        Object[] array;

        Collision(Edit edit, int hash, Object[] array) {
            this.edit = edit;
            this.hash = hash;
            this.array = array;
        }

        int indexOf(Object key) {
            for (int i = 0; i < array.length; i += 2) {
                if (key.equals(array[i])) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public Object[] array() {
            return array;
        }
    }

    private static int hash(Object key) {
        int h = key.hashCode();
        return h ^ (h >>> 16);
    }

    /** {@code n} with {@code key} mapped to {@code value}; {@code n} itself when it held that value already. */
    private static Node put(Node n, Edit edit, int shift, int h, Object key, Object value) {
        if (n == null) {
            edit.size++;
            return new Bitmap(edit, 1 << ((h >>> shift) & MASK), new Object[] {key, value});
        }
        if (n instanceof Collision c) {
            if (c.hash != h) {
                // Another hash below a collision's fragments: a bitmap node holding both.
                Bitmap above = new Bitmap(edit, 1 << ((c.hash >>> shift) & MASK), new Object[] {null, c});
                return put(above, edit, shift, h, key, value);
            }
            int i = c.indexOf(key);
            if (i >= 0) {
                if (c.array[i + 1] == value) {
                    return c;
                }
                Collision out = editable(c, edit);
                out.array = out == c ? out.array : out.array.clone();
                out.array[i + 1] = value;
                return out;
            }
            edit.size++;
            Object[] grown = Arrays.copyOf(c.array, c.array.length + 2);
            grown[c.array.length] = key;
            grown[c.array.length + 1] = value;
            return new Collision(edit, h, grown);
        }
        Bitmap b = (Bitmap) n;
        int bit = 1 << ((h >>> shift) & MASK);
        int i = 2 * Integer.bitCount(b.bitmap & (bit - 1));
        if ((b.bitmap & bit) == 0) {
            edit.size++;
            Object[] grown = new Object[b.array.length + 2];
            System.arraycopy(b.array, 0, grown, 0, i);
            grown[i] = key;
            grown[i + 1] = value;
            System.arraycopy(b.array, i, grown, i + 2, b.array.length - i);
            Bitmap out = editable(b, edit);
            out.bitmap = b.bitmap | bit;
            out.array = grown;
            return out;
        }
        Object k = b.array[i];
        Object v = b.array[i + 1];
        if (k == null) {
            Node child = put((Node) v, edit, shift + BITS, h, key, value);
            return child == v ? b : set(b, edit, i, null, child);
        }
        if (key.equals(k)) {
            return v == value ? b : set(b, edit, i, k, value);
        }
        edit.size++;
        return set(b, edit, i, null, pair(edit, shift + BITS, hash(k), k, v, h, key, value));
    }

    /** A node holding two keys that share every hash fragment above {@code shift}. */
    private static Node pair(Edit edit, int shift, int h1, Object k1, Object v1, int h2, Object k2, Object v2) {
        if (h1 == h2) {
            return new Collision(edit, h1, new Object[] {k1, v1, k2, v2});
        }
        int f1 = (h1 >>> shift) & MASK;
        int f2 = (h2 >>> shift) & MASK;
        if (f1 == f2) {
            return new Bitmap(edit, 1 << f1, new Object[] {null, pair(edit, shift + BITS, h1, k1, v1, h2, k2, v2)});
        }
        Object[] a = f1 < f2 ? new Object[] {k1, v1, k2, v2} : new Object[] {k2, v2, k1, v1};
        return new Bitmap(edit, (1 << f1) | (1 << f2), a);
    }

    /** {@code n} without {@code key} (null when nothing is left); {@code n} itself when it had no such key. */
    private static Node remove(Node n, Edit edit, int shift, int h, Object key) {
        if (n instanceof Collision c) {
            int i = c.hash == h ? c.indexOf(key) : -1;
            if (i < 0) {
                return c;
            }
            edit.size--;
            if (c.array.length == 2) {
                return null;
            }
            Object[] shrunk = new Object[c.array.length - 2];
            System.arraycopy(c.array, 0, shrunk, 0, i);
            System.arraycopy(c.array, i + 2, shrunk, i, c.array.length - i - 2);
            return new Collision(edit, h, shrunk);
        }
        Bitmap b = (Bitmap) n;
        int bit = 1 << ((h >>> shift) & MASK);
        if ((b.bitmap & bit) == 0) {
            return b;
        }
        int i = 2 * Integer.bitCount(b.bitmap & (bit - 1));
        Object k = b.array[i];
        if (k == null) {
            Node child = (Node) b.array[i + 1];
            Node left = remove(child, edit, shift + BITS, h, key);
            if (left == child) {
                return b;
            }
            if (left == null) {
                return without(b, edit, bit, i);
            }
            if (left instanceof Bitmap lb && lb.array.length == 2 && lb.array[0] != null) {
                // One entry left below: it moves up into this slot, so the trie stays as shallow as its keys need.
                return set(b, edit, i, lb.array[0], lb.array[1]);
            }
            return set(b, edit, i, null, left);
        }
        if (!key.equals(k)) {
            return b;
        }
        edit.size--;
        return without(b, edit, bit, i);
    }

    private static Node without(Bitmap b, Edit edit, int bit, int i) {
        if (b.bitmap == bit) {
            return null;
        }
        Object[] shrunk = new Object[b.array.length - 2];
        System.arraycopy(b.array, 0, shrunk, 0, i);
        System.arraycopy(b.array, i + 2, shrunk, i, b.array.length - i - 2);
        Bitmap out = editable(b, edit);
        out.bitmap = b.bitmap & ~bit;
        out.array = shrunk;
        return out;
    }

    /** {@code b} with slot {@code i} set to key {@code k} (null: a child node) and {@code v}. */
    private static Bitmap set(Bitmap b, Edit edit, int i, Object k, Object v) {
        Bitmap out = editable(b, edit);
        if (out != b) {
            out.array = b.array.clone();
        }
        out.array[i] = k;
        out.array[i + 1] = v;
        return out;
    }

    /** {@code b} itself when this batch created it, else a copy sharing its array (to be replaced before a change). */
    private static Bitmap editable(Bitmap b, Edit edit) {
        return b.edit == edit ? b : new Bitmap(edit, b.bitmap, b.array);
    }

    private static Collision editable(Collision c, Edit edit) {
        return c.edit == edit ? c : new Collision(edit, c.hash, c.array);
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
