package dev.tendril.datapath.maps;

import java.util.List;
import java.util.Optional;

/**
 * An eBPF map seen from user space: fixed-size byte keys and values, exactly as {@code bpf(2)} takes
 * them. Implementations are the in-memory maps of this package and the agent's real maps; both must
 * pass the same contract tests. Arrays passed in are copied, arrays returned are the caller's.
 *
 * <p>Errors follow the kernel: a refused update throws {@link BpfMapException} with the errno the
 * kernel returns; a key or value of the wrong size is a programming error
 * ({@link IllegalArgumentException}), which the real backend checks before the syscall.
 */
public interface BpfMap {

    /** One key and its value; arrays are copies, and equality is by reference (compare with Arrays.equals). */
    record Entry(byte[] key, byte[] value) {}

    MapSpec spec();

    /**
     * {@code BPF_MAP_UPDATE_ELEM}. For an LPM trie, the key is the entry's prefix: the same prefix
     * length and the same leading data bits address the same entry.
     *
     * @throws BpfMapException EEXIST / ENOENT for {@link UpdateFlag#NOEXIST} / {@link UpdateFlag#EXIST},
     *     E2BIG (hash) or ENOSPC (LPM trie) when a new key would exceed max entries, EINVAL for an LPM
     *     prefix length beyond the key's data bits
     */
    void update(byte[] key, byte[] value, UpdateFlag flag);

    /** {@link #update(byte[], byte[], UpdateFlag)} with {@link UpdateFlag#ANY}. */
    default void put(byte[] key, byte[] value) {
        update(key, value, UpdateFlag.ANY);
    }

    /**
     * {@code BPF_MAP_LOOKUP_ELEM}: the value for an exact key in a hash map; in an LPM trie, the value
     * of the longest stored prefix that matches the key's data within the key's own prefix length.
     */
    Optional<byte[]> lookup(byte[] key);

    /** {@code BPF_MAP_DELETE_ELEM} on an exact key (exact prefix for an LPM trie); false if absent. */
    boolean delete(byte[] key);

    /**
     * Updates entries in order, as {@code BPF_MAP_UPDATE_BATCH} does: the first failure stops the batch
     * and is thrown; the entries before it stay applied. Backends with kernel batch support override
     * this to save syscalls.
     */
    default void updateAll(List<Entry> entries, UpdateFlag flag) {
        for (Entry e : entries) {
            update(e.key(), e.value(), flag);
        }
    }

    /** Deletes keys, as {@code BPF_MAP_DELETE_BATCH} would; returns how many existed. */
    default int deleteAll(List<byte[]> keys) {
        int deleted = 0;
        for (byte[] k : keys) {
            if (delete(k)) {
                deleted++;
            }
        }
        return deleted;
    }

    /** All keys, as iteration with {@code BPF_MAP_GET_NEXT_KEY} would list them; callers must not rely on order. */
    List<byte[]> keys();

    /** All entries, a consistent snapshot. */
    List<Entry> entries();

    int size();

    default int maxEntries() {
        return spec().maxEntries();
    }
}
