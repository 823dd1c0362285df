package dev.tendril.datapath.maps;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@code BPF_MAP_TYPE_LPM_TRIE} in memory, with the kernel's semantics ({@code kernel/bpf/lpm_trie.c}):
 * a key is a little-endian u32 prefix length followed by data bytes, matched most significant bit first.
 *
 * <ul>
 *   <li>update and delete address the entry with the same prefix length and the same leading
 *       prefix-length bits; bits beyond the prefix do not matter (the last written key is what
 *       iteration returns, as the kernel stores the key it was given);</li>
 *   <li>lookup returns the value of the longest stored prefix whose bits match the key's data, among
 *       prefixes no longer than the key's own prefix length (callers look up with the full length);</li>
 *   <li>a prefix length beyond the data bits is EINVAL on update and finds nothing on lookup;</li>
 *   <li>a new prefix in a full trie is ENOSPC; replacing an existing one still succeeds (kernels since
 *       6.14; older kernels refused that too).</li>
 * </ul>
 * Thread-safe; lookups cost one hash probe per distinct stored prefix length.
 */
public final class LpmTrieInMemory extends AbstractInMemoryMap {
    private final int maxPrefix;
    private final Map<ByteKey, Entry> entries = new LinkedHashMap<>();
    private final int[] countByPrefix;

    public LpmTrieInMemory(MapSpec spec) {
        super(spec, Set.of(MapType.LPM_TRIE));
        this.maxPrefix = spec.maxPrefixLength();
        this.countByPrefix = new int[maxPrefix + 1];
    }

    @Override
    public synchronized void update(byte[] key, byte[] value, UpdateFlag flag) {
        checkKey(key);
        checkValue(value);
        checkFlag(flag);
        long prefix = prefixLength(key);
        if (prefix > maxPrefix) {
            throw new BpfMapException(
                    spec.name(), Errno.EINVAL, "prefix length " + prefix + " exceeds " + maxPrefix + " data bits");
        }
        ByteKey canonical = canonical(key, (int) prefix);
        boolean exists = entries.containsKey(canonical);
        if (exists && flag == UpdateFlag.NOEXIST) {
            throw new BpfMapException(spec.name(), Errno.EEXIST, "prefix exists");
        }
        if (!exists && flag == UpdateFlag.EXIST) {
            throw new BpfMapException(spec.name(), Errno.ENOENT, "prefix does not exist");
        }
        if (!exists && entries.size() >= spec.maxEntries()) {
            throw new BpfMapException(spec.name(), Errno.ENOSPC, "map full (" + spec.maxEntries() + " entries)");
        }
        entries.put(canonical, new Entry(key.clone(), value.clone()));
        if (!exists) {
            countByPrefix[(int) prefix]++;
        }
    }

    @Override
    public synchronized Optional<byte[]> lookup(byte[] key) {
        return longestMatch(key).map(e -> e.value().clone());
    }

    /**
     * The stored entry {@link #lookup(byte[])} would answer with, key included. The kernel returns only
     * the value; this exists for tests and diagnostics, never for the decision function.
     */
    public synchronized Optional<Entry> lookupEntry(byte[] key) {
        return longestMatch(key).map(e -> new Entry(e.key().clone(), e.value().clone()));
    }

    private Optional<Entry> longestMatch(byte[] key) {
        checkKey(key);
        long prefix = prefixLength(key);
        if (prefix > maxPrefix) {
            return Optional.empty();
        }
        for (int p = (int) prefix; p >= 0; p--) {
            if (countByPrefix[p] == 0) {
                continue;
            }
            Entry e = entries.get(canonical(key, p));
            if (e != null) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized boolean delete(byte[] key) {
        checkKey(key);
        long prefix = prefixLength(key);
        if (prefix > maxPrefix) {
            return false;
        }
        if (entries.remove(canonical(key, (int) prefix)) == null) {
            return false;
        }
        countByPrefix[(int) prefix]--;
        return true;
    }

    @Override
    public synchronized List<byte[]> keys() {
        List<byte[]> out = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            out.add(e.key().clone());
        }
        return out;
    }

    @Override
    public synchronized List<Entry> entries() {
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            out.add(new Entry(e.key().clone(), e.value().clone()));
        }
        return out;
    }

    @Override
    public synchronized int size() {
        return entries.size();
    }

    /** The u32 prefix length at the start of an LPM key (host byte order, little-endian). */
    static long prefixLength(byte[] key) {
        return (key[0] & 0xFFL) | (key[1] & 0xFFL) << 8 | (key[2] & 0xFFL) << 16 | (key[3] & 0xFFL) << 24;
    }

    /** The key rewritten with the given prefix length and every data bit beyond it cleared. */
    private ByteKey canonical(byte[] key, int prefix) {
        byte[] c = new byte[key.length];
        c[0] = (byte) prefix;
        c[1] = (byte) (prefix >>> 8);
        int fullBytes = prefix / 8;
        System.arraycopy(key, MapSpec.LPM_PREFIXLEN_SIZE, c, MapSpec.LPM_PREFIXLEN_SIZE, fullBytes);
        int rest = prefix % 8;
        if (rest != 0) {
            int i = MapSpec.LPM_PREFIXLEN_SIZE + fullBytes;
            c[i] = (byte) (key[i] & (0xFF << (8 - rest)));
        }
        return new ByteKey(c);
    }
}
