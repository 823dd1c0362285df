package dev.tendril.agent.probe;

import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.datapath.lb.LoadBalancer;
import dev.tendril.datapath.policymap.PolicyMap;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/** What a probe reads of this node: its name, its image, its local endpoints and its maps. */
public interface NodeView {

    String nodeName();

    /** The state topics as replayed so far. */
    NodeImage image();

    /**
     * An identity by number: the local topics' one, else a ClusterMesh peer's (whose labels name its cluster);
     * null when unknown.
     */
    default Identity identity(long id) {
        return image().identities().get(id);
    }

    /** A ClusterMesh peer's pod, with the name of the peer (its cluster) it came from. */
    record RemotePod(String cluster, Endpoint endpoint) {}

    /** The ClusterMesh peer's pod holding {@code address}; empty when no peer has one (or there are no peers). */
    default Optional<RemotePod> remotePod(InetAddress address) {
        return Optional.empty();
    }

    /** The endpoints the maps are written for, with their endpoint ids. */
    List<LocalEndpoint> localEndpoints();

    /** The identity this node's ipcache gives the address (world when it has no entry). */
    long resolveIdentity(InetAddress address);

    /** The endpoint's policy map; empty when it has none (yet). */
    Optional<PolicyMap> policyMap(LocalEndpoint endpoint);

    /** The model socket-LB over this node's LB maps; empty when the node has none (no Service yet). */
    default Optional<LoadBalancer> loadBalancer() {
        return Optional.empty();
    }
}
