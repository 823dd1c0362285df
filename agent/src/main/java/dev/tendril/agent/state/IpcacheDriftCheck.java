package dev.tendril.agent.state;

import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.UpdateFlag;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The periodic drift check of the ipcache in three steps, so that the maps' lock is not held while hundreds of
 * thousands of entries are encoded, read back and compared (seconds at 300,000 entries, during which every publish
 * waited). {@link NodeMapsWriter#beginIpcacheCheck} takes the desired entries under the lock and starts a journal of
 * the keys the writer's later batches write; {@link #diff} runs off the lock; the writer's
 * {@code reconcile(image, locals, check)} applies under the lock the differences whose keys no batch wrote
 * meanwhile. A written key already holds what its batch wanted, and the next check looks at it again.
 */
public final class IpcacheDriftCheck {

    private final BpfMap map;
    private final Map<IpcacheKey, IpcacheValue> desired;
    private final boolean keepUnclaimedRemote;
    // Keys the writer's batches wrote since the check began; null once a whole pass made the check moot.
    private Set<IpcacheKey> written = new HashSet<>();
    private Map<ByteBuffer, byte[]> writes;
    private Set<ByteBuffer> absent;
    private Set<ByteBuffer> stale;

    /**
     * @param keepUnclaimedRemote true while a listed ClusterMesh peer is not published yet: remote-cluster entries
     *     nobody claims are kept (fail-static across a restart)
     */
    IpcacheDriftCheck(BpfMap map, Map<IpcacheKey, IpcacheValue> desired, boolean keepUnclaimedRemote) {
        this.map = map;
        this.desired = desired;
        this.keepUnclaimedRemote = keepUnclaimedRemote;
    }

    /** Under the maps' lock: a batch wrote {@code keys}, which this check leaves alone. */
    void wrote(Collection<IpcacheKey> keys) {
        if (written != null) {
            written.addAll(keys);
        }
    }

    /** Under the maps' lock: a whole pass wrote the ipcache, so this check corrects nothing. */
    void moot() {
        written = null;
    }

    /** Off the maps' lock: reads the map back and finds the entries that differ from the desired ones. */
    public void diff() {
        Map<ByteBuffer, byte[]> wanted = IpcacheReconciler.encode(desired);
        Map<ByteBuffer, byte[]> held = MapReconciler.read(map);
        writes = new HashMap<>();
        absent = new HashSet<>();
        stale = new HashSet<>();
        held.forEach((k, v) -> {
            if (!wanted.containsKey(k)
                    && !(keepUnclaimedRemote && IpcacheValue.decode(v).remoteCluster())) {
                stale.add(k);
            }
        });
        wanted.forEach((k, v) -> {
            byte[] have = held.get(k);
            if (have == null) {
                absent.add(k);
                writes.put(k, v);
            } else if (!Arrays.equals(have, v)) {
                writes.put(k, v);
            }
        });
    }

    /** Under the maps' lock: the differences found, less the keys batches wrote since the start; none when moot. */
    MapReconciler.Result apply() {
        if (writes == null) {
            throw new IllegalStateException("the ipcache drift check was not diffed");
        }
        if (written == null) {
            return MapReconciler.Result.NONE;
        }
        Set<ByteBuffer> skip = new HashSet<>(written.size() * 2);
        written.forEach(k -> skip.add(ByteBuffer.wrap(k.encode())));
        List<byte[]> deletes = new ArrayList<>();
        for (ByteBuffer k : stale) {
            if (!skip.contains(k)) {
                deletes.add(bytes(k));
            }
        }
        List<BpfMap.Entry> entries = new ArrayList<>();
        int added = 0;
        for (Map.Entry<ByteBuffer, byte[]> w : writes.entrySet()) {
            if (skip.contains(w.getKey())) {
                continue;
            }
            entries.add(new BpfMap.Entry(bytes(w.getKey()), w.getValue()));
            added += absent.contains(w.getKey()) ? 1 : 0;
        }
        int removed = deletes.isEmpty() ? 0 : map.deleteAll(deletes);
        if (!entries.isEmpty()) {
            map.updateAll(entries, UpdateFlag.ANY);
        }
        return new MapReconciler.Result(added, entries.size() - added, removed);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
