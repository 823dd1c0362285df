package dev.tendril.agent.datapath.fabric;

import dev.tendril.net.Cidr;
import java.util.List;

/**
 * A node to wire into the fabric.
 *
 * @param name     the node's name ({@code node-1}), a DNS subdomain without {@code _}
 * @param index    1..254, unique in the stack: picks the node's underlay addresses and its switch port
 *                 (the launcher's {@code node-N} is index N)
 * @param podCidrs at most one per family, with their router addresses
 */
public record NodeSpec(String name, int index, List<PodCidr> podCidrs) {

    public NodeSpec {
        Names.requireName("node", name);
        if (index < 1 || index > Underlay.MAX_INDEX) {
            throw new IllegalArgumentException("node index must be 1.." + Underlay.MAX_INDEX + ", got " + index);
        }
        podCidrs = List.copyOf(podCidrs);
        if (podCidrs.stream().filter(PodCidr::ipv4).count() > 1
                || podCidrs.stream().filter(c -> !c.ipv4()).count() > 1) {
            throw new IllegalArgumentException("node " + name + ": at most one pod CIDR per family, got " + podCidrs);
        }
        for (PodCidr c : podCidrs) {
            Cidr underlay = c.ipv4() ? Underlay.RESERVED_V4 : Underlay.RESERVED_V6;
            if (underlay.overlaps(c.parsed())) {
                throw new IllegalArgumentException("node " + name + ": pod CIDR " + c.cidr()
                        + " overlaps the fabric's underlay " + underlay + " (every cluster's nodes)");
            }
        }
    }
}
