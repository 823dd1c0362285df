package dev.tendril.agent.datapath.fabric;

import dev.tendril.net.Cidr;
import java.net.InetAddress;
import java.util.List;

/**
 * Another node whose pod CIDRs a node routes to: each CIDR via the peer's address of the same family, as
 * Cilium's {@code auto-direct-node-routes} does with the nodes' internal IPs.
 *
 * @param name      for messages
 * @param podCidrs  {@code 10.0.2.0/24}, {@code fd00::200/120}
 * @param addresses the peer's node addresses (its {@link FabricNode#addresses()}, as registered in IPAM)
 */
public record PeerNode(String name, List<String> podCidrs, List<InetAddress> addresses) {

    public PeerNode {
        podCidrs = podCidrs.stream().map(c -> Cidr.parseMasked(c).toString()).toList();
        addresses = List.copyOf(addresses);
    }
}
