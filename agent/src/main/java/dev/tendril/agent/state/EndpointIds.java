package dev.tendril.agent.state;

import java.util.Map;
import java.util.TreeMap;

/**
 * Node-local endpoint ids, as Cilium numbers endpoints 1..4095 per node: the agent hands out the
 * lowest free id to a new endpoint incarnation (keyed by its pod uid) and keeps it for the
 * incarnation's life. The table is persisted by the agent (its state directory), so after a restart
 * the same endpoint finds the same policy map, {@code cilium_policy_v2_<id>}, pinned. Immutable.
 */
public record EndpointIds(Map<String, Integer> byOwner) {

    public static final int MIN_ID = 1;
    public static final int MAX_ID = 4095;
    public static final EndpointIds EMPTY = new EndpointIds(Map.of());

    public EndpointIds {
        byOwner = Map.copyOf(byOwner);
        if (byOwner.values().stream().distinct().count() != byOwner.size()) {
            throw new IllegalArgumentException("endpoint ids must be unique: " + byOwner);
        }
    }

    /** The id of an owner, or 0 when it has none. */
    public int idOf(String owner) {
        return byOwner.getOrDefault(owner, 0);
    }

    /**
     * This table with an id for {@code owner}: its current one, or the lowest free.
     *
     * @throws IllegalStateException when all {@value #MAX_ID} ids are in use
     */
    public EndpointIds assign(String owner) {
        if (byOwner.containsKey(owner)) {
            return this;
        }
        var used = new java.util.BitSet(MAX_ID + 1);
        byOwner.values().forEach(used::set);
        int id = used.nextClearBit(MIN_ID);
        if (id > MAX_ID) {
            throw new IllegalStateException("no free endpoint id: all " + MAX_ID + " ids of this node are in use");
        }
        Map<String, Integer> next = new TreeMap<>(byOwner);
        next.put(owner, id);
        return new EndpointIds(next);
    }

    public EndpointIds release(String owner) {
        if (!byOwner.containsKey(owner)) {
            return this;
        }
        Map<String, Integer> next = new TreeMap<>(byOwner);
        next.remove(owner);
        return new EndpointIds(next);
    }
}
