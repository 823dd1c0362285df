package dev.tendril.datapath.maps;

/**
 * What {@code BPF_MAP_CREATE} needs to create a map: its type, key and value sizes, capacity and flags.
 * Validated as the kernel validates it, so that a spec the in-memory backend accepts is one the real
 * backend can create.
 *
 * @param name map name; the kernel keeps at most 15 characters, pinned paths may be longer
 * @param type hash, LRU hash or LPM trie
 * @param keySize key size in bytes; for an LPM trie the u32 prefix length plus 1..256 data bytes
 * @param valueSize value size in bytes
 * @param maxEntries capacity; inserts beyond it fail
 * @param mapFlags {@code map_flags}; an LPM trie requires {@link #BPF_F_NO_PREALLOC}
 */
public record MapSpec(String name, MapType type, int keySize, int valueSize, int maxEntries, int mapFlags) {

    /** {@code BPF_F_NO_PREALLOC}: entries are allocated on insert; mandatory for LPM tries. */
    public static final int BPF_F_NO_PREALLOC = 1;
    /** Bytes of the {@code struct bpf_lpm_trie_key} header (u32 prefixlen) that precede the data. */
    public static final int LPM_PREFIXLEN_SIZE = 4;
    /** The kernel's LPM_DATA_SIZE_MAX. */
    public static final int LPM_MAX_DATA_SIZE = 256;

    public MapSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        if (type == null) {
            throw new IllegalArgumentException("type must not be null");
        }
        if (keySize <= 0) {
            throw new IllegalArgumentException("keySize must be positive, got " + keySize);
        }
        if (valueSize <= 0) {
            throw new IllegalArgumentException("valueSize must be positive, got " + valueSize);
        }
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
        }
        if (type == MapType.LPM_TRIE) {
            int dataSize = keySize - LPM_PREFIXLEN_SIZE;
            if (dataSize < 1 || dataSize > LPM_MAX_DATA_SIZE) {
                throw new IllegalArgumentException("keySize of an LPM trie must be 5.."
                        + (LPM_PREFIXLEN_SIZE + LPM_MAX_DATA_SIZE) + ", got " + keySize);
            }
            if ((mapFlags & BPF_F_NO_PREALLOC) == 0) {
                throw new IllegalArgumentException("mapFlags of an LPM trie must include BPF_F_NO_PREALLOC");
            }
        }
    }

    public static MapSpec hash(String name, int keySize, int valueSize, int maxEntries) {
        return new MapSpec(name, MapType.HASH, keySize, valueSize, maxEntries, 0);
    }

    public static MapSpec lruHash(String name, int keySize, int valueSize, int maxEntries) {
        return new MapSpec(name, MapType.LRU_HASH, keySize, valueSize, maxEntries, 0);
    }

    public static MapSpec lpmTrie(String name, int keySize, int valueSize, int maxEntries) {
        return new MapSpec(name, MapType.LPM_TRIE, keySize, valueSize, maxEntries, BPF_F_NO_PREALLOC);
    }

    /** For an LPM trie: the largest prefix length a key may carry (all data bits). */
    public int maxPrefixLength() {
        return (keySize - LPM_PREFIXLEN_SIZE) * 8;
    }
}
