package dev.tendril.agent.state;

import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.BpfMap;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/** Reconciles an ipcache map to {@link IpcacheDesired} of an image, in the REFERENCE.md byte layout. */
public final class IpcacheReconciler {

    private IpcacheReconciler() {
    }

    public static MapReconciler.Result reconcile(BpfMap ipcache, NodeImage image, String localNode) {
        return MapReconciler.reconcile(ipcache, encode(IpcacheDesired.of(image, localNode)));
    }

    static Map<ByteBuffer, byte[]> encode(Map<IpcacheKey, IpcacheValue> entries) {
        Map<ByteBuffer, byte[]> out = new HashMap<>(entries.size() * 2);
        entries.forEach((k, v) -> out.put(ByteBuffer.wrap(k.encode()), v.encode()));
        return out;
    }
}
