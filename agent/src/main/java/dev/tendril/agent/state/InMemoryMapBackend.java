package dev.tendril.agent.state;

import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.HashMapInMemory;
import dev.tendril.datapath.maps.LpmTrieInMemory;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.MapType;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** Maps held in this JVM (libs/datapath's in-memory maps): tests, and many simulated agents in one JVM. */
public final class InMemoryMapBackend implements MapBackend {

    private final ConcurrentHashMap<String, BpfMap> maps = new ConcurrentHashMap<>();

    @Override
    public BpfMap openOrCreate(MapSpec spec) {
        BpfMap map = maps.computeIfAbsent(
                spec.name(),
                n -> spec.type() == MapType.LPM_TRIE ? new LpmTrieInMemory(spec) : new HashMapInMemory(spec));
        MapSpec found = map.spec();
        if (found.type() != spec.type()
                || found.keySize() != spec.keySize()
                || found.valueSize() != spec.valueSize()
                || found.maxEntries() != spec.maxEntries()) {
            throw new IllegalStateException(spec.name() + " exists as " + found + ", expected " + spec);
        }
        return map;
    }

    @Override
    public Optional<BpfMap> open(String name) {
        return Optional.ofNullable(maps.get(name));
    }

    @Override
    public boolean delete(String name) {
        return maps.remove(name) != null;
    }

    @Override
    public Set<String> names() {
        return new TreeSet<>(maps.keySet());
    }

    @Override
    public String describe() {
        return "memory";
    }

    @Override
    public void close() {
        // Nothing outlives the JVM; a test that "restarts" keeps using this instance.
    }
}
