package dev.tendril.agent.sim;

import dev.tendril.agent.state.MapBackend;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.UpdateFlag;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A backend that tells a listener about every entry written into the node's ipcache and policy maps, right
 * after the write: how a benchmark learns when an address or a policy entry appears in an agent's map without
 * polling it.
 */
final class WatchedMapBackend implements MapBackend {

    /** Called on the writing thread with the map's name and the entries just written. */
    interface Listener {
        void written(String map, List<BpfMap.Entry> entries);
    }

    private final MapBackend delegate;
    private final Listener listener;
    private volatile WatchedMap ipcache;

    WatchedMapBackend(MapBackend delegate, Listener listener) {
        this.delegate = delegate;
        this.listener = listener;
    }

    @Override
    public BpfMap openOrCreate(MapSpec spec) {
        return watch(delegate.openOrCreate(spec));
    }

    @Override
    public Optional<BpfMap> open(String name) {
        return delegate.open(name).map(this::watch);
    }

    private BpfMap watch(BpfMap map) {
        if (map.spec().name().startsWith(NodeMapsReconciler.POLICY_MAP_PREFIX)) {
            // Records compare by their parts: a second wrapper of the same map equals the first.
            return new WatchedMap(map, listener);
        }
        if (!map.spec().name().equals(NodeMapsReconciler.IPCACHE_MAP)) {
            return map;
        }
        WatchedMap w = ipcache;
        if (w == null || w.map != map) {
            w = new WatchedMap(map, listener);
            ipcache = w;
        }
        return w;
    }

    @Override
    public boolean delete(String name) {
        return delegate.delete(name);
    }

    @Override
    public Set<String> names() {
        return delegate.names();
    }

    @Override
    public String describe() {
        return delegate.describe() + " (ipcache watched)";
    }

    @Override
    public void close() {
        delegate.close();
    }

    private record WatchedMap(BpfMap map, Listener listener) implements BpfMap {

        @Override
        public MapSpec spec() {
            return map.spec();
        }

        @Override
        public void update(byte[] key, byte[] value, UpdateFlag flag) {
            map.update(key, value, flag);
            listener.written(map.spec().name(), List.of(new Entry(key, value)));
        }

        @Override
        public void updateAll(List<Entry> entries, UpdateFlag flag) {
            map.updateAll(entries, flag);
            listener.written(map.spec().name(), entries);
        }

        @Override
        public Optional<byte[]> lookup(byte[] key) {
            return map.lookup(key);
        }

        @Override
        public boolean delete(byte[] key) {
            return map.delete(key);
        }

        @Override
        public int deleteAll(List<byte[]> keys) {
            return map.deleteAll(keys);
        }

        @Override
        public List<byte[]> keys() {
            return map.keys();
        }

        @Override
        public List<Entry> entries() {
            return map.entries();
        }

        @Override
        public int size() {
            return map.size();
        }
    }
}
