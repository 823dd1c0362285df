package dev.tendril.agent.state;

import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.UpdateFlag;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes a map hold exactly the desired entries: deletes keys that are not desired, writes keys that
 * are missing or hold another value, and leaves equal entries alone (so a reconcile against a map
 * already right, e.g. a pinned map after a restart, writes nothing). Deletions go first so that a
 * full map has room for the additions.
 */
public final class MapReconciler {

    /** What one reconcile changed. */
    public record Result(int added, int updated, int removed) {
        public static final Result NONE = new Result(0, 0, 0);

        public int total() {
            return added + updated + removed;
        }
    }

    private MapReconciler() {
    }

    /** @param desired key bytes to value bytes, sized as the map's spec says */
    public static Result reconcile(BpfMap map, Map<ByteBuffer, byte[]> desired) {
        Map<ByteBuffer, byte[]> current = new HashMap<>();
        for (BpfMap.Entry e : map.entries()) {
            current.put(ByteBuffer.wrap(e.key()), e.value());
        }
        List<byte[]> stale = new ArrayList<>();
        for (ByteBuffer k : current.keySet()) {
            if (!desired.containsKey(k)) {
                stale.add(bytes(k));
            }
        }
        List<BpfMap.Entry> writes = new ArrayList<>();
        int added = 0;
        int updated = 0;
        for (Map.Entry<ByteBuffer, byte[]> d : desired.entrySet()) {
            byte[] have = current.get(d.getKey());
            if (have == null) {
                added++;
            } else if (!Arrays.equals(have, d.getValue())) {
                updated++;
            } else {
                continue;
            }
            writes.add(new BpfMap.Entry(bytes(d.getKey()), d.getValue()));
        }
        int removed = stale.isEmpty() ? 0 : map.deleteAll(stale);
        if (!writes.isEmpty()) {
            map.updateAll(writes, UpdateFlag.ANY);
        }
        return new Result(added, updated, removed);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
