package dev.tendril.agent.state;

import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.datapath.lb.LbMapContent;
import dev.tendril.datapath.lb.LbMaps;
import dev.tendril.datapath.maps.MapSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The LB maps' desired content ({@link LbDesired#of}) kept Service by Service, so that a changed Service costs
 * its own entries, not every Service's: each Service's entries are remembered, and every map key counts the
 * Services that want it. A backend is one key however many Services' frontends name it, written while one does;
 * a key that several Services want with different values (a backend whose state differs between two Services; a
 * frontend or reverse-NAT index the policy service published twice) holds the value of the first of them by
 * {@code namespace/name}, as {@link LbDesired#of} says. {@link #update} returns the entries that a batch of
 * {@code tendril.services} records adds, changes and removes. Not thread-safe.
 */
final class LbIndex {

    /**
     * What an update changes in one map.
     *
     * @param writes the keys to write with their new value
     * @param added how many of the writes are of keys the map does not hold
     * @param deletes the keys to delete
     */
    record MapChanges(Map<ByteBuffer, byte[]> writes, int added, List<ByteBuffer> deletes) {}

    private record Entry(String map, ByteBuffer key, byte[] value) {}

    /** Marks a key that was absent before an update (compared by identity). */
    private static final byte[] ABSENT = new byte[0];

    private final String localNode;
    private final Map<String, List<Entry>> byService = new HashMap<>();
    private final Map<String, Map<ByteBuffer, Claim>> maps = new HashMap<>();
    private int size;

    private LbIndex(String localNode) {
        this.localNode = localNode;
        for (MapSpec spec : LbMaps.AGENT_WRITTEN) {
            maps.put(spec.name(), new HashMap<>());
        }
    }

    /** The index of every Service of {@code image}; what cannot be written is said in {@code problems}. */
    static LbIndex of(NodeImage image, String localNode, List<String> problems) {
        LbIndex index = new LbIndex(localNode);
        image.services().forEach((key, service) -> {
            List<Entry> entries = index.entries(key, service, problems);
            entries.forEach(e -> index.claim(key, e));
            if (!entries.isEmpty()) {
                index.byService.put(key, entries);
            }
        });
        return index;
    }

    /**
     * Moves the index to the Services' new values ({@code namespace/name} to the Service, null when deleted): the
     * changes of every map whose content moved, by map name.
     */
    Map<String, MapChanges> update(Map<String, ServiceMaps> services, List<String> problems) {
        // Each touched key's value before this update: the first Service to touch a key records it.
        Map<String, Map<ByteBuffer, byte[]>> before = new HashMap<>();
        services.forEach((key, service) -> {
            List<Entry> old = byService.getOrDefault(key, List.of());
            List<Entry> now = service == null ? List.of() : entries(key, service, problems);
            for (List<Entry> entries : List.of(old, now)) {
                for (Entry e : entries) {
                    before.computeIfAbsent(e.map(), m -> new HashMap<>())
                            .computeIfAbsent(e.key(), k -> valueOr(e.map(), k, ABSENT));
                }
            }
            old.forEach(e -> release(key, e));
            now.forEach(e -> claim(key, e));
            if (now.isEmpty()) {
                byService.remove(key);
            } else {
                byService.put(key, now);
            }
        });
        Map<String, MapChanges> out = new HashMap<>();
        before.forEach((map, keys) -> {
            Map<ByteBuffer, byte[]> writes = new HashMap<>();
            List<ByteBuffer> deletes = new ArrayList<>();
            int added = 0;
            for (Map.Entry<ByteBuffer, byte[]> k : keys.entrySet()) {
                byte[] was = k.getValue();
                byte[] is = valueOr(map, k.getKey(), null);
                if (is == null) {
                    if (was != ABSENT) {
                        deletes.add(k.getKey());
                    }
                } else if (was == ABSENT) {
                    writes.put(k.getKey(), is);
                    added++;
                } else if (!Arrays.equals(was, is)) {
                    writes.put(k.getKey(), is);
                }
            }
            if (!writes.isEmpty() || !deletes.isEmpty()) {
                out.put(map, new MapChanges(writes, added, deletes));
            }
        });
        return out;
    }

    /** What one map holds by this index (a copy). */
    Map<ByteBuffer, byte[]> content(String map) {
        Map<ByteBuffer, byte[]> out = new HashMap<>();
        maps.get(map).forEach((k, claim) -> out.put(k, claim.value));
        return out;
    }

    /** Entries of all the LB maps together. */
    int size() {
        return size;
    }

    private List<Entry> entries(String key, ServiceMaps service, List<String> problems) {
        LbMapContent content = LbDesired.ofService(key, service, localNode, problems);
        List<Entry> out = new ArrayList<>(content.size());
        for (MapSpec spec : LbMaps.AGENT_WRITTEN) {
            content.map(spec.name()).forEach((k, v) -> out.add(new Entry(spec.name(), k, v)));
        }
        return out;
    }

    private byte[] valueOr(String map, ByteBuffer key, byte[] absent) {
        Claim claim = maps.get(map).get(key);
        return claim == null ? absent : claim.value;
    }

    private void claim(String service, Entry e) {
        Claim claim = maps.get(e.map()).get(e.key());
        if (claim == null) {
            maps.get(e.map()).put(e.key(), new Claim(service, e.value()));
            size++;
        } else {
            claim.add(service, e.value());
        }
    }

    private void release(String service, Entry e) {
        Map<ByteBuffer, Claim> map = maps.get(e.map());
        if (map.get(e.key()).remove(service)) {
            map.remove(e.key());
            size--;
        }
    }

    /** The Services that want one key, and the value the map holds: the first Service's by key. */
    private static final class Claim {
        private String owner;
        private byte[] value;
        // Every claimant with its value, only while there is more than one (the rare case: kept off the common one).
        private TreeMap<String, byte[]> all;

        Claim(String owner, byte[] value) {
            this.owner = owner;
            this.value = value;
        }

        void add(String service, byte[] v) {
            if (all == null) {
                all = new TreeMap<>();
                all.put(owner, value);
            }
            all.put(service, v);
            first();
        }

        /** True when no Service wants the key any more. */
        boolean remove(String service) {
            if (all == null) {
                return true;
            }
            all.remove(service);
            first();
            if (all.size() == 1) {
                all = null;
            }
            return false;
        }

        private void first() {
            Map.Entry<String, byte[]> first = all.firstEntry();
            owner = first.getKey();
            value = first.getValue();
        }
    }
}
