package dev.tendril.datapath.ipcache;

import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.LpmTrieInMemory;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.MapType;
import dev.tendril.datapath.maps.UpdateFlag;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A typed view of the ipcache over any {@link BpfMap} backend, encoding and decoding with
 * {@link IpcacheKey} and {@link IpcacheValue}.
 */
public final class Ipcache {
    /** {@code cilium_ipcache_v2}'s size. */
    public static final int DEFAULT_MAX_ENTRIES = 512_000;

    private final BpfMap map;

    public Ipcache(BpfMap map) {
        if (map == null) {
            throw new IllegalArgumentException("map must not be null");
        }
        MapSpec s = map.spec();
        if (s.type() != MapType.LPM_TRIE || s.keySize() != IpcacheKey.SIZE || s.valueSize() != IpcacheValue.SIZE) {
            throw new IllegalArgumentException("map " + s.name() + " is not an ipcache: " + s);
        }
        this.map = map;
    }

    public static MapSpec spec(String name, int maxEntries) {
        return MapSpec.lpmTrie(name, IpcacheKey.SIZE, IpcacheValue.SIZE, maxEntries);
    }

    public static Ipcache inMemory(String name, int maxEntries) {
        return new Ipcache(new LpmTrieInMemory(spec(name, maxEntries)));
    }

    public BpfMap raw() {
        return map;
    }

    /** Creates or replaces the entry for exactly this prefix. */
    public void put(IpcacheKey key, IpcacheValue value) {
        map.update(key.encode(), value.encode(), UpdateFlag.ANY);
    }

    /** The datapath's lookup: the longest prefix containing the address, in the local cluster. */
    public Optional<IpcacheValue> lookup(InetAddress address) {
        return lookup(address, 0);
    }

    public Optional<IpcacheValue> lookup(InetAddress address, int clusterId) {
        return map.lookup(IpcacheKey.ofAddress(address, clusterId).encode()).map(IpcacheValue::decode);
    }

    public boolean remove(IpcacheKey key) {
        return map.delete(key.encode());
    }

    public Map<IpcacheKey, IpcacheValue> entries() {
        Map<IpcacheKey, IpcacheValue> out = new LinkedHashMap<>();
        for (BpfMap.Entry e : map.entries()) {
            out.put(IpcacheKey.decode(e.key()), IpcacheValue.decode(e.value()));
        }
        return out;
    }

    public int size() {
        return map.size();
    }
}
