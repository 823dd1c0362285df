package dev.tendril.ipam.domain;

import java.time.Instant;

/** Events of the cluster pool stream. */
public sealed interface PoolEvent {

    String node();

    record PodCidrAllocated(String node, Cidr cidr) implements PoolEvent {
    }

    /** Back in the pool; not handed to another node before {@code at} plus the quarantine period. */
    record PodCidrReleased(String node, Cidr cidr, Instant at) implements PoolEvent {
    }
}
