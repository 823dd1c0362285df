package dev.tendril.datapath.maps;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@code BPF_MAP_TYPE_HASH} in memory: exact-key lookups, {@code max_entries} enforced with E2BIG on
 * a new key while existing keys can still be replaced. As a {@code BPF_MAP_TYPE_LRU_HASH}, a new key in a
 * full map evicts the least recently looked-up or updated entry instead (the kernel's LRU is approximate;
 * this one is exact). Thread-safe; iteration is in insertion order,
 * which callers must not rely on (the kernel's is by bucket).
 */
public final class HashMapInMemory extends AbstractInMemoryMap {
    private final Map<ByteKey, byte[]> entries;
    private final boolean lru;

    public HashMapInMemory(MapSpec spec) {
        super(spec, Set.of(MapType.HASH, MapType.LRU_HASH));
        this.lru = spec.type() == MapType.LRU_HASH;
        this.entries = new LinkedHashMap<>(16, 0.75f, lru);
    }

    @Override
    public synchronized void update(byte[] key, byte[] value, UpdateFlag flag) {
        checkKey(key);
        checkValue(value);
        checkFlag(flag);
        ByteKey k = new ByteKey(key.clone());
        boolean exists = entries.containsKey(k);
        if (exists && flag == UpdateFlag.NOEXIST) {
            throw new BpfMapException(spec.name(), Errno.EEXIST, "key exists");
        }
        if (!exists && flag == UpdateFlag.EXIST) {
            throw new BpfMapException(spec.name(), Errno.ENOENT, "key does not exist");
        }
        if (!exists && entries.size() >= spec.maxEntries() && lru) {
            ByteKey eldest = entries.keySet().iterator().next();
            entries.remove(eldest);
        } else if (!exists && entries.size() >= spec.maxEntries()) {
            throw new BpfMapException(spec.name(), Errno.E2BIG, "map full (" + spec.maxEntries() + " entries)");
        }
        entries.put(k, value.clone());
    }

    @Override
    public synchronized Optional<byte[]> lookup(byte[] key) {
        checkKey(key);
        byte[] v = entries.get(new ByteKey(key));
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    @Override
    public synchronized boolean delete(byte[] key) {
        checkKey(key);
        return entries.remove(new ByteKey(key)) != null;
    }

    @Override
    public synchronized List<byte[]> keys() {
        List<byte[]> out = new ArrayList<>(entries.size());
        for (ByteKey k : entries.keySet()) {
            out.add(k.bytes().clone());
        }
        return out;
    }

    @Override
    public synchronized List<Entry> entries() {
        List<Entry> out = new ArrayList<>(entries.size());
        entries.forEach((k, v) -> out.add(new Entry(k.bytes().clone(), v.clone())));
        return out;
    }

    @Override
    public synchronized int size() {
        return entries.size();
    }
}
