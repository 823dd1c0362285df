package dev.tendril.ipam.domain;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import java.time.Instant;
import java.util.List;

/** Events of the cluster pool stream. */
public sealed interface PoolEvent {

    String node();

    record PodCidrAllocated(String node, Cidr cidr) implements PoolEvent {}

    /** The node's addresses are now {@code ips} (empty: it holds none any more); unique across nodes. */
    record NodeAddressesClaimed(String node, List<IpAddress> ips) implements PoolEvent {
        public NodeAddressesClaimed {
            ips = List.copyOf(ips);
        }
    }

    /** Back in the pool; not handed to another node before {@code at} plus the quarantine period. */
    record PodCidrReleased(String node, Cidr cidr, Instant at) implements PoolEvent {}
}
