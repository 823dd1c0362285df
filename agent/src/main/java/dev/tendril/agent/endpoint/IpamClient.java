package dev.tendril.agent.endpoint;

import dev.tendril.api.v1.Node;
import java.util.List;

/** What the agent asks IPAM (its gRPC service); failures are {@link UpstreamException}. */
public interface IpamClient {

    Node registerNode(String node, List<String> ips);

    /** Addresses for the pod incarnation {@code uid} from the node's pod CIDRs; a retry returns the same. */
    List<String> allocatePodIps(String node, String owner, String uid);

    /** Frees every address {@code uid} holds on the node; nothing when it holds none. They are quarantined. */
    default List<String> releasePod(String node, String uid) {
        return releasePod(node, uid, false);
    }

    /**
     * @param rollback the pod's creation failed before any endpoint had the addresses: IPAM frees an
     *     allocation it never saw confirmed at once instead of quarantining it
     */
    List<String> releasePod(String node, String uid, boolean rollback);
}
