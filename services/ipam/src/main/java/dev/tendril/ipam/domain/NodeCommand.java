package dev.tendril.ipam.domain;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import java.time.Instant;
import java.util.List;

/** Commands of one node's stream: its registration and the addresses of its pods. */
public sealed interface NodeCommand {

    String node();

    /** Register (or update) the node with the pod CIDRs the cluster pool gave it. */
    record RegisterNode(String node, List<IpAddress> ips, String cluster, List<Cidr> podCidrs) implements NodeCommand {
        public RegisterNode {
            ips = List.copyOf(ips);
            podCidrs = List.copyOf(podCidrs);
        }
    }

    /** One address per family for the pod {@code owner} ("namespace/pod") incarnation {@code uid}. */
    record AllocatePodIps(String node, String owner, String uid, Instant now) implements NodeCommand {}

    /** Free {@code ip} if {@code uid} still owns it; a stale uid frees nothing. */
    record ReleasePodIp(String node, IpAddress ip, String uid, Instant now) implements NodeCommand {}

    /**
     * Free every address {@code uid} holds (both families of a dual-stack pod in one command). A uid
     * that holds nothing, such as a stale one whose pod was re-created under a new uid, frees nothing.
     *
     * @param rollback the pod's creation failed before it had an endpoint: an allocation that was never
     *     confirmed is free again at once instead of quarantined (a confirmed one is quarantined all the same)
     */
    record ReleasePod(String node, String uid, Instant now, boolean rollback) implements NodeCommand {
        public ReleasePod(String node, String uid, Instant now) {
            this(node, uid, now, false);
        }
    }

    /** An endpoint exists for the pod: its addresses no longer expire. */
    record ConfirmPodIps(String node, String uid) implements NodeCommand {}

    /** Release addresses allocated longer than the expiry ago and never confirmed. */
    record ExpireUnconfirmed(String node, Instant now) implements NodeCommand {}

    /** Release a leaked address (allocated, but no endpoint has it) on behalf of the leak reaper. */
    record ReleaseLeakedPodIp(String node, IpAddress ip, String uid, Instant now) implements NodeCommand {}

    /** Remove the node; refused while pods hold addresses unless {@code force}. */
    record DeregisterNode(String node, boolean force, Instant now) implements NodeCommand {}
}
