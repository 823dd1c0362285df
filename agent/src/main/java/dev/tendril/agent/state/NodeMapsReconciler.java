package dev.tendril.agent.state;

import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.BpfMapException;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Makes a node's maps hold what an image and the node's local endpoints say:
 *
 * <ol>
 *   <li>{@code cilium_ipcache_v2}: {@link IpcacheDesired};</li>
 *   <li>one {@code cilium_policy_v2_<endpoint id>} per local endpoint, holding the entries of its
 *       identity's {@code SubjectPolicyMap} byte for byte. A new endpoint whose identity has no published
 *       map yet gets an empty map: it drops everything until its policy arrives (Cilium's endpoint is
 *       "regenerating" then, and its policy map is equally empty). An existing map whose identity has
 *       no published map (e.g. the identity just changed) is left as it is;</li>
 *   <li>{@code cilium_lxc} ({@link EndpointsMap}): every address of every local endpoint;</li>
 *   <li>policy maps of endpoints no longer local are removed (unpinned).</li>
 * </ol>
 *
 * The order means the datapath never finds an endpoint in {@code cilium_lxc} without its policy map.
 * A map that fails (full, refused) is reported and the others are still reconciled. Existing maps are
 * opened and diffed, never recreated empty, so a restart over pinned maps has no empty window.
 */
public final class NodeMapsReconciler {

    public static final String IPCACHE_MAP = "cilium_ipcache_v2";
    public static final String POLICY_MAP_PREFIX = "cilium_policy_v2_";
    /** The metric tag of all policy maps together (one tag per endpoint would not stay bounded). */
    public static final String POLICY_MAPS = "cilium_policy_v2";

    /**
     * What one pass changed.
     *
     * @param changes per map kind ({@link #IPCACHE_MAP}, {@link EndpointsMap#NAME}, {@link #POLICY_MAPS})
     * @param created policy maps created
     * @param deleted policy maps removed
     * @param problems maps that could not be reconciled, and entries that were skipped
     */
    /**
     * @param fullMaps the map kinds ({@link #IPCACHE_MAP}, {@link #POLICY_MAPS}, {@code cilium_lxc}) where a write
     *     failed because the map holds its {@code max_entries} already, once per failed map
     */
    public record Outcome(Map<String, MapReconciler.Result> changes, List<String> created, List<String> deleted,
                          List<String> problems, List<String> fullMaps) {

        public int total() {
            return changes.values().stream().mapToInt(MapReconciler.Result::total).sum();
        }
    }

    private NodeMapsReconciler() {
    }

    public static MapSpec ipcacheSpec() {
        return Ipcache.spec(IPCACHE_MAP, Ipcache.DEFAULT_MAX_ENTRIES);
    }

    public static MapSpec policySpec(int endpointId) {
        return PolicyMap.spec(POLICY_MAP_PREFIX + endpointId, PolicyMap.DEFAULT_MAX_ENTRIES);
    }

    /** Every map of the node. */
    public static Outcome reconcile(MapBackend backend, NodeImage image, String localNode, List<LocalEndpoint> locals) {
        return reconcile(backend, image, localNode, locals, true);
    }

    /**
     * @param withIpcache false to leave the ipcache alone (an endpoint change through the API, which only
     *     touches local maps; the ipcache follows when the topic shows the endpoint)
     */
    public static Outcome reconcile(MapBackend backend, NodeImage image, String localNode, List<LocalEndpoint> locals,
                                    boolean withIpcache) {
        return reconcile(backend, image, locals,
                withIpcache ? ipcache -> IpcacheReconciler.reconcile(ipcache, image, localNode) : null);
    }

    /**
     * Every map of the node, the ipcache only where {@code ipcacheChanges} says (a batch of records;
     * the ipcache is assumed to hold the desired state before it, which the full passes check).
     */
    public static Outcome reconcile(MapBackend backend, NodeImage image, List<LocalEndpoint> locals,
                                    IpcacheIndex.Changes ipcacheChanges) {
        return reconcile(backend, image, locals, ipcache -> IpcacheReconciler.apply(ipcache, ipcacheChanges));
    }

    /** Every map of the node, the ipcache by a full diff against an index the caller already holds for {@code image}. */
    public static Outcome reconcile(MapBackend backend, NodeImage image, List<LocalEndpoint> locals, IpcacheIndex ipcache) {
        return reconcile(backend, image, locals,
                map -> MapReconciler.reconcile(map, IpcacheReconciler.encode(ipcache.desired())));
    }

    private static Outcome reconcile(MapBackend backend, NodeImage image, List<LocalEndpoint> locals,
                                     Function<BpfMap, MapReconciler.Result> ipcacheStep) {
        Map<String, MapReconciler.Result> changes = new HashMap<>();
        List<String> created = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> full = new ArrayList<>();
        if (ipcacheStep != null) {
            try {
                changes.put(IPCACHE_MAP, ipcacheStep.apply(backend.openOrCreate(ipcacheSpec())));
            } catch (RuntimeException e) {
                problems.add(IPCACHE_MAP + ": " + e.getMessage());
                noteFull(e, IPCACHE_MAP, full);
            }
        }

        MapReconciler.Result policy = MapReconciler.Result.NONE;
        Set<String> wanted = new HashSet<>();
        for (LocalEndpoint ep : locals) {
            String name = ep.policyMapName();
            wanted.add(name);
            try {
                Optional<BpfMap> existing = backend.open(name);
                BpfMap map = existing.orElseGet(() -> backend.openOrCreate(policySpec(ep.endpointId())));
                if (existing.isEmpty()) {
                    created.add(name);
                }
                SubjectPolicyMap published = image.policies().get(ep.identity());
                if (published != null) {
                    policy = sum(policy, MapReconciler.reconcile(map, policyEntries(published, problems)));
                }
            } catch (RuntimeException e) {
                problems.add(name + " (" + ep.key() + "): " + e.getMessage());
                noteFull(e, POLICY_MAPS, full);
            }
        }
        changes.put(POLICY_MAPS, policy);

        try {
            changes.put(EndpointsMap.NAME, MapReconciler.reconcile(backend.openOrCreate(EndpointsMap.spec()),
                    endpointsEntries(locals)));
        } catch (RuntimeException e) {
            problems.add(EndpointsMap.NAME + ": " + e.getMessage());
            noteFull(e, EndpointsMap.NAME, full);
        }

        for (String name : backend.names()) {
            if (name.startsWith(POLICY_MAP_PREFIX) && !wanted.contains(name)) {
                try {
                    if (backend.delete(name)) {
                        deleted.add(name);
                    }
                } catch (RuntimeException e) {
                    problems.add(name + ": " + e.getMessage());
                }
            }
        }
        return new Outcome(changes, created, deleted, problems, full);
    }

    private static void noteFull(RuntimeException e, String mapKind, List<String> full) {
        if (e instanceof BpfMapException b && b.isMapFull()) {
            full.add(mapKind);
        }
    }

    /** The policy-map content of a published subject map, keyed by its 12-byte keys. */
    public static Map<ByteBuffer, byte[]> policyEntries(SubjectPolicyMap published, List<String> problems) {
        Map<ByteBuffer, byte[]> out = new HashMap<>(published.getEntriesCount() * 2);
        for (PolicyMapEntry e : published.getEntriesList()) {
            if (e.getKey().size() != PolicyMapKey.SIZE || e.getValue().size() != PolicyMapValue.SIZE) {
                problems.add("subject " + published.getSubject() + ": skipped an entry of " + e.getKey().size()
                        + "/" + e.getValue().size() + " bytes, expected " + PolicyMapKey.SIZE + "/" + PolicyMapValue.SIZE);
                continue;
            }
            out.put(ByteBuffer.wrap(e.getKey().toByteArray()), e.getValue().toByteArray());
        }
        return out;
    }

    /** The {@code cilium_lxc} content for the local endpoints. */
    public static Map<ByteBuffer, byte[]> endpointsEntries(List<LocalEndpoint> locals) {
        Map<ByteBuffer, byte[]> out = new HashMap<>();
        for (LocalEndpoint ep : locals) {
            byte[] value = new EndpointsMap.Value(ep.endpointId(), ep.identity()).encode();
            for (String ip : List.of(ep.ipv4(), ep.ipv6())) {
                if (ip.isEmpty()) {
                    continue;
                }
                try {
                    out.put(ByteBuffer.wrap(EndpointsMap.Key.of(ip).encode()), value);
                } catch (IllegalArgumentException e) {
                    // An unparsable address cannot be looked up by the datapath either.
                }
            }
        }
        return out;
    }

    private static MapReconciler.Result sum(MapReconciler.Result a, MapReconciler.Result b) {
        return new MapReconciler.Result(a.added() + b.added(), a.updated() + b.updated(), a.removed() + b.removed());
    }
}
