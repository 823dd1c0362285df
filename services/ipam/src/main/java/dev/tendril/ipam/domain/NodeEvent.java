package dev.tendril.ipam.domain;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import java.time.Instant;
import java.util.List;

/** Events of one node's stream ({@code node/<name>}). */
public sealed interface NodeEvent {

    String node();

    /** The node exists with these internal IPs and pod CIDRs; the router addresses are taken first. */
    record NodeRegistered(
            String node, List<IpAddress> ips, String cluster, List<Cidr> podCidrs, List<IpAddress> routerIps)
            implements NodeEvent {
        public NodeRegistered {
            ips = List.copyOf(ips);
            podCidrs = List.copyOf(podCidrs);
            routerIps = List.copyOf(routerIps);
        }
    }

    record PodIpAllocated(String node, IpAddress ip, String owner, String uid, Instant at) implements NodeEvent {}

    /**
     * Why an address was freed. {@code ROLLED_BACK}: the pod's creation failed and the allocation was never
     * confirmed (no endpoint had the address, so no ipcache can hold it): free again at once.
     */
    enum ReleaseReason {
        RELEASED,
        EXPIRED,
        LEAKED,
        ROLLED_BACK;

        /** Whether the address waits out the quarantine before it is handed out again. */
        public boolean quarantines() {
            return this != ROLLED_BACK;
        }
    }

    /** Freed; it stays in quarantine until {@code at} plus the quarantine period (unless rolled back). */
    record PodIpReleased(String node, IpAddress ip, String uid, Instant at, ReleaseReason reason)
            implements NodeEvent {}

    record PodIpsConfirmed(String node, String uid) implements NodeEvent {}

    /** The node is gone, with every address it still held (only with force). */
    record NodeDeregistered(String node, boolean forced, Instant at) implements NodeEvent {}
}
