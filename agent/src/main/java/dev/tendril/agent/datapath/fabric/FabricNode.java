package dev.tendril.agent.datapath.fabric;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * A node as wired: its network namespace (where the pods' host-side veths are, and so where the agent
 * attaches the programs), its addresses on the stack's switch (the node's IPs: what it registers with
 * IPAM, what its pods' packets to it come from, what peers route its pod CIDRs via) and its pod CIDRs.
 */
public record FabricNode(
        String name, int index, String netnsName, Path netns, List<InetAddress> addresses, List<PodCidr> podCidrs) {

    public FabricNode {
        addresses = List.copyOf(addresses);
        podCidrs = List.copyOf(podCidrs);
    }

    /** This node as a peer of the others, for {@link Fabric#routePeers}. */
    public PeerNode asPeer() {
        return new PeerNode(name, podCidrs.stream().map(PodCidr::cidr).toList(), addresses);
    }
}
