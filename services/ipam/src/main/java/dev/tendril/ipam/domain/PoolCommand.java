package dev.tendril.ipam.domain;

import java.time.Instant;

/** Commands of the cluster pool: the one aggregate that hands out node pod CIDRs. */
public sealed interface PoolCommand {

    /** Give the node one pod CIDR per enabled family; returns the ones it has if it has them. */
    record AllocateNodeCidrs(String node, Instant now) implements PoolCommand {
    }

    /** Take the node's pod CIDRs back into the pool. */
    record ReleaseNodeCidrs(String node, Instant now) implements PoolCommand {
    }
}
