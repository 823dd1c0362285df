package dev.tendril.agent.state;

/**
 * An endpoint on this node as the agent serves it: the maps are written for these.
 *
 * @param endpointId the node-local endpoint id (1..{@value EndpointIds#MAX_ID}), names its policy map
 * @param ipv4 empty when none
 * @param ipv6 empty when none
 * @param identity its security identity; 0 while unknown
 */
public record LocalEndpoint(
        String namespace, String pod, String uid, int endpointId, String ipv4, String ipv6, long identity) {

    public LocalEndpoint {
        if (namespace == null || pod == null) {
            throw new IllegalArgumentException("namespace and pod must not be null");
        }
        uid = uid == null ? "" : uid;
        ipv4 = ipv4 == null ? "" : ipv4;
        ipv6 = ipv6 == null ? "" : ipv6;
    }

    /** {@code namespace/pod}, the key of tendril.endpoints. */
    public String key() {
        return namespace + "/" + pod;
    }

    /** The endpoint's policy map, {@code cilium_policy_v2_<endpoint id>}. */
    public String policyMapName() {
        return NodeMapsReconciler.POLICY_MAP_PREFIX + endpointId;
    }

    public LocalEndpoint withIdentity(long newIdentity) {
        return new LocalEndpoint(namespace, pod, uid, endpointId, ipv4, ipv6, newIdentity);
    }
}
