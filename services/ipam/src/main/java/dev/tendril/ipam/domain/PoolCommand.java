package dev.tendril.ipam.domain;

import dev.tendril.net.IpAddress;
import java.time.Instant;
import java.util.List;

/** Commands of the cluster pool: the one aggregate that hands out node pod CIDRs. */
public sealed interface PoolCommand {

    /**
     * Give the node one pod CIDR per enabled family; returns the ones it has if it has them. The node's
     * addresses {@code ips} are claimed for it: no other node may register with one of them.
     */
    record AllocateNodeCidrs(String node, List<IpAddress> ips, Instant now) implements PoolCommand {
        public AllocateNodeCidrs {
            ips = List.copyOf(ips);
        }

        /** Without addresses to claim (the node's claim stays as it is). */
        public AllocateNodeCidrs(String node, Instant now) {
            this(node, List.of(), now);
        }
    }

    /** Take the node's pod CIDRs back into the pool. */
    record ReleaseNodeCidrs(String node, Instant now) implements PoolCommand {}
}
