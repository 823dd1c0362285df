package dev.tendril.datapath.policymap;

import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.LpmTrieInMemory;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.MapType;
import dev.tendril.datapath.maps.UpdateFlag;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A typed view of one endpoint's policy map over any {@link BpfMap} backend (in-memory or the kernel's),
 * encoding and decoding with {@link PolicyMapKey} and {@link PolicyMapValue}.
 */
public final class PolicyMap {
    /**
     * 65,536 as the {@code cilium status} of a tuned cluster shows it (Cilium's own {@code bpf-policy-map-max}
     * default is 16,384): the map is an LPM trie, which the kernel allocates per entry, so the size is a limit
     * and costs no memory until entries use it.
     */
    public static final int DEFAULT_MAX_ENTRIES = 65_536;
    /** Cilium clamps the configured size to [256, 65536]. */
    public static final int MIN_MAX_ENTRIES = 256;

    public static final int MAX_MAX_ENTRIES = 65_536;

    private final BpfMap map;

    public PolicyMap(BpfMap map) {
        if (map == null) {
            throw new IllegalArgumentException("map must not be null");
        }
        MapSpec s = map.spec();
        if (s.type() != MapType.LPM_TRIE || s.keySize() != PolicyMapKey.SIZE || s.valueSize() != PolicyMapValue.SIZE) {
            throw new IllegalArgumentException("map " + s.name() + " is not a policy map: " + s);
        }
        this.map = map;
    }

    /** The spec of a policy map; {@code maxEntries} must lie in [256, 65536]. */
    public static MapSpec spec(String name, int maxEntries) {
        if (maxEntries < MIN_MAX_ENTRIES || maxEntries > MAX_MAX_ENTRIES) {
            throw new IllegalArgumentException("maxEntries of a policy map must be " + MIN_MAX_ENTRIES + ".."
                    + MAX_MAX_ENTRIES + ", got " + maxEntries);
        }
        return MapSpec.lpmTrie(name, PolicyMapKey.SIZE, PolicyMapValue.SIZE, maxEntries);
    }

    /** A policy map held in memory. */
    public static PolicyMap inMemory(String name, int maxEntries) {
        return new PolicyMap(new LpmTrieInMemory(spec(name, maxEntries)));
    }

    public BpfMap raw() {
        return map;
    }

    /**
     * Creates or replaces the entry for exactly this key.
     *
     * @throws IllegalArgumentException if the value's {@code lpm_prefix_length} differs from the key's
     * @throws dev.tendril.datapath.maps.BpfMapException if the map is full (ENOSPC)
     */
    public void put(PolicyMapKey key, PolicyMapValue value) {
        if (key.l4PrefixLength() != value.l4PrefixLength()) {
            throw new IllegalArgumentException("value l4PrefixLength " + value.l4PrefixLength()
                    + " must equal the key's " + key.l4PrefixLength() + " for " + key);
        }
        map.update(key.encode(), value.encode(), UpdateFlag.ANY);
    }

    /** The entry stored for exactly this key (no prefix matching). */
    public Optional<PolicyMapValue> get(PolicyMapKey key) {
        // An LPM lookup may answer with a shorter prefix; only the key's own prefix counts here.
        return map.lookup(key.encode())
                .map(PolicyMapValue::decode)
                .filter(v -> v.l4PrefixLength() == key.l4PrefixLength());
    }

    /** The kernel's lookup: the longest stored L4 prefix matching this (full-prefix) key. */
    public Optional<PolicyMapValue> lookup(PolicyMapKey key) {
        return map.lookup(key.encode()).map(PolicyMapValue::decode);
    }

    public boolean remove(PolicyMapKey key) {
        return map.delete(key.encode());
    }

    /** Every entry, decoded, in the backend's iteration order. */
    public Map<PolicyMapKey, PolicyMapValue> entries() {
        Map<PolicyMapKey, PolicyMapValue> out = new LinkedHashMap<>();
        for (BpfMap.Entry e : map.entries()) {
            out.put(PolicyMapKey.decode(e.key()), PolicyMapValue.decode(e.value()));
        }
        return out;
    }

    public int size() {
        return map.size();
    }
}
