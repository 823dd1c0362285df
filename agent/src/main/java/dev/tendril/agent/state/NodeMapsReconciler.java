package dev.tendril.agent.state;

import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 * opened and diffed, never recreated empty, so a restart over pinned maps has no empty window. The
 * writing is {@link NodeMapsWriter}'s, which the agent keeps to write each batch's changes without reading
 * any map back; this class holds the maps' names, shapes and desired content.
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
     * @param fullMaps the map kinds ({@link #IPCACHE_MAP}, {@link #POLICY_MAPS}, {@code cilium_lxc}) where a write
     *     failed because the map holds its {@code max_entries} already, once per failed map
     */
    public record Outcome(
            Map<String, MapReconciler.Result> changes,
            List<String> created,
            List<String> deleted,
            List<String> problems,
            List<String> fullMaps) {

        public int total() {
            return changes.values().stream()
                    .mapToInt(MapReconciler.Result::total)
                    .sum();
        }
    }

    private NodeMapsReconciler() {}

    public static MapSpec ipcacheSpec() {
        return Ipcache.spec(IPCACHE_MAP, Ipcache.DEFAULT_MAX_ENTRIES);
    }

    public static MapSpec policySpec(int endpointId) {
        return PolicyMap.spec(POLICY_MAP_PREFIX + endpointId, PolicyMap.DEFAULT_MAX_ENTRIES);
    }

    /** Every map of the node, read back and corrected. */
    public static Outcome reconcile(MapBackend backend, NodeImage image, String localNode, List<LocalEndpoint> locals) {
        return reconcile(backend, image, localNode, locals, true);
    }

    /**
     * Every map of the node read back and corrected, by a writer that remembers nothing afterwards (the
     * agent keeps its {@link NodeMapsWriter} to write later batches without reading).
     *
     * @param withIpcache false to leave the ipcache alone (an endpoint change through the API, which only
     *     touches local maps; the ipcache follows when the topic shows the endpoint)
     */
    public static Outcome reconcile(
            MapBackend backend, NodeImage image, String localNode, List<LocalEndpoint> locals, boolean withIpcache) {
        return new NodeMapsWriter(backend, localNode).reconcile(image, locals, withIpcache);
    }

    /** The policy-map content of a published subject map, keyed by its 12-byte keys. */
    public static Map<ByteBuffer, byte[]> policyEntries(SubjectPolicyMap published, List<String> problems) {
        Map<ByteBuffer, byte[]> out = new HashMap<>(published.getEntriesCount() * 2);
        for (PolicyMapEntry e : published.getEntriesList()) {
            if (e.getKey().size() != PolicyMapKey.SIZE || e.getValue().size() != PolicyMapValue.SIZE) {
                problems.add("subject " + published.getSubject() + ": skipped an entry of "
                        + e.getKey().size() + "/" + e.getValue().size() + " bytes, expected " + PolicyMapKey.SIZE + "/"
                        + PolicyMapValue.SIZE);
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
}
