package dev.tendril.agent.state;

import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import java.util.Map;

/**
 * What a node's ipcache ({@code cilium_ipcache_v2}) should hold for an image, as Cilium fills it:
 *
 * <ul>
 *   <li>every identity carrying {@code cidr:<prefix>} labels (a CIDR identity, published with the
 *       labels of every enclosing prefix as Cilium does) maps its most specific prefix to that identity;</li>
 *   <li>every endpoint address of every node (a /32 or /128) maps to the endpoint's identity;</li>
 *   <li>every internal IP of this agent's own node maps to {@link #HOST} (reserved:host), every internal
 *       IP of another node to {@link #REMOTE_NODE} (reserved:remote-node), as Cilium's node manager does.</li>
 * </ul>
 *
 * Node addresses win over an endpoint claiming the same address: in Cilium the node entries come from
 * a higher-precedence source (local / kube-apiserver) than endpoints (custom-resource). Endpoints without
 * an identity yet (0) and unparsable addresses are left out. Endpoint and node entries also win over a
 * CIDR identity of the same /32 or /128 (Cilium's CIDR identities come from policy, the lowest
 * precedence source). Two endpoints claiming one address: the lowest {@code namespace/pod} wins; two
 * CIDR identities of one prefix: the lowest id ({@link IpcacheIndex} keeps the claims). IPv6 CIDR labels may be written with {@code -} for {@code :} (Cilium's label
 * form). Every key is cluster 0 (Cilium's, without cluster-aware addressing); local entries carry no tunnel
 * endpoint. A ClusterMesh peer's endpoints and nodes, with tunnel endpoints and the remote-cluster flag, are
 * added by {@link IpcacheIndex#of(NodeImage, Map, String)}: this local-only view leaves them out.
 */
public final class IpcacheDesired {

    /** reserved:host. */
    public static final long HOST = 1;
    /** reserved:remote-node. */
    public static final long REMOTE_NODE = 6;

    private IpcacheDesired() {}

    public static Map<IpcacheKey, IpcacheValue> of(NodeImage image, String localNode) {
        return IpcacheIndex.of(image, localNode).desired();
    }

    /** The most specific {@code cidr:} label of an identity, or null when it has none that parses. */
    static IpcacheKey cidrPrefix(Identity identity) {
        IpcacheKey best = null;
        for (Label l : identity.getLabelsList()) {
            if (!l.getSource().equals("cidr")) {
                continue;
            }
            String cidr = l.getKey().isEmpty() ? l.getValue() : l.getKey();
            if (!cidr.contains(":") && cidr.contains("-")) {
                cidr = cidr.replace('-', ':');
            }
            try {
                IpcacheKey k = IpcacheKey.ofCidr(cidr);
                if (best == null || k.prefixBits() > best.prefixBits()) {
                    best = k;
                }
            } catch (IllegalArgumentException e) {
                // Not a prefix: a label Tendril does not know; the identity still gets its other entries.
            }
        }
        return best;
    }
}
