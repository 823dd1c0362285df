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

    private MapReconciler() {}

    /** @param desired key bytes to value bytes, sized as the map's spec says */
    public static Result reconcile(BpfMap map, Map<ByteBuffer, byte[]> desired) {
        return write(map, read(map), desired);
    }

    /** The map's content, read back entry by entry (the only read in this class). */
    public static Map<ByteBuffer, byte[]> read(BpfMap map) {
        Map<ByteBuffer, byte[]> current = new HashMap<>();
        for (BpfMap.Entry e : map.entries()) {
            current.put(ByteBuffer.wrap(e.key()), e.value());
        }
        return current;
    }

    /**
     * Moves a map from {@code held} to {@code desired} without reading it: deletes the keys {@code held} has
     * and {@code desired} has not, writes the entries that differ. {@code held} must be what the map holds
     * (what the last write of it left); a map another writer changed is corrected by the next
     * {@link #reconcile}.
     */
    public static Result write(BpfMap map, Map<ByteBuffer, byte[]> held, Map<ByteBuffer, byte[]> desired) {
        List<byte[]> stale = new ArrayList<>();
        for (ByteBuffer k : held.keySet()) {
            if (!desired.containsKey(k)) {
                stale.add(bytes(k));
            }
        }
        List<BpfMap.Entry> writes = new ArrayList<>();
        int added = 0;
        int updated = 0;
        for (Map.Entry<ByteBuffer, byte[]> d : desired.entrySet()) {
            byte[] have = held.get(d.getKey());
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
