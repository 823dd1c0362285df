package dev.tendril.agent.state;

import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.UpdateFlag;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reconciles an ipcache map to {@link IpcacheDesired} of an image, in the REFERENCE.md byte layout. */
public final class IpcacheReconciler {

    private IpcacheReconciler() {}

    public static MapReconciler.Result reconcile(BpfMap ipcache, NodeImage image, String localNode) {
        return MapReconciler.reconcile(ipcache, encode(IpcacheDesired.of(image, localNode)));
    }

    /**
     * Writes only what a batch changed (deletes first, as a full pass does), trusting that the map held
     * the desired state before it; the full passes (bootstrap, periodic) correct it if it did not.
     */
    public static MapReconciler.Result apply(BpfMap ipcache, IpcacheIndex.Changes changes) {
        int removed = 0;
        if (!changes.deletes().isEmpty()) {
            List<byte[]> keys = new ArrayList<>(changes.deletes().size());
            changes.deletes().forEach(k -> keys.add(k.encode()));
            removed = ipcache.deleteAll(keys);
        }
        if (!changes.upserts().isEmpty()) {
            List<BpfMap.Entry> writes = new ArrayList<>(changes.upserts().size());
            changes.upserts().forEach((k, v) -> writes.add(new BpfMap.Entry(k.encode(), v.encode())));
            ipcache.updateAll(writes, UpdateFlag.ANY);
        }
        return new MapReconciler.Result(changes.added(), changes.updated(), removed);
    }

    public static Map<ByteBuffer, byte[]> encode(Map<IpcacheKey, IpcacheValue> entries) {
        Map<ByteBuffer, byte[]> out = new HashMap<>(entries.size() * 2);
        entries.forEach((k, v) -> out.put(ByteBuffer.wrap(k.encode()), v.encode()));
        return out;
    }
}
