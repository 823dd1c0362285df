package dev.tendril.agent.state;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * The hash array mapped trie under {@link TopicImage} (Bagwell's HAMT): 32-way nodes indexed by five bits of the
 * key's hash at a time, collision nodes for keys whose hashes are equal in all 32 bits. {@link #put} and
 * {@link #remove} copy the nodes on the key's path unless the batch's {@link Edit} created them, which it may change
 * in place while it runs; every other node is shared with the version before.
 */
final class HashTrie {

    static final int BITS = 5;
    static final int MASK = (1 << BITS) - 1;

    private HashTrie() {}

    /** The value of {@code key} under {@code root}, null when absent. */
    static Object get(Node root, Object key) {
        int h = hash(key);
        Node n = root;
        int shift = 0;
        while (true) {
            if (n instanceof Collision c) {
                int i = c.indexOf(key);
                return i < 0 ? null : c.array[i + 1];
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
            return key.equals(k) ? b.array[i + 1] : null;
        }
    }

    static void forEach(Node n, BiConsumer<Object, Object> action) {
        Object[] a = n.array();
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] != null) {
                action.accept(a[i], a[i + 1]);
            } else if (a[i + 1] != null) {
                forEach((Node) a[i + 1], action);
            }
        }
    }

    /** The nodes one batch creates (and so may change in place), and the size it reaches. */
    static final class Edit {
        int size;
    }

    sealed interface Node permits Bitmap, Collision {
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

    static int hash(Object key) {
        int h = key.hashCode();
        return h ^ (h >>> 16);
    }

    /** {@code n} with {@code key} mapped to {@code value}; {@code n} itself when it held that value already. */
    static Node put(Node n, Edit edit, int shift, int h, Object key, Object value) {
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
    static Node remove(Node n, Edit edit, int shift, int h, Object key) {
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
}
