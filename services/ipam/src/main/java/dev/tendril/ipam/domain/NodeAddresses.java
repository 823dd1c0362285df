package dev.tendril.ipam.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.net.IpAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The internal addresses a node registers with: at least one, at most {@value #MAX}, no duplicates, and
 * none that cannot be a host's own address (unspecified, multicast, the IPv4 broadcast address), which
 * Kubernetes and Cilium refuse as node addresses too. Loopback is accepted: the local stack runs its
 * nodes on 127.0.0.x.
 */
public final class NodeAddresses {

    /** More addresses than any real node has (Cilium nodes carry a handful); bounds every per-node list. */
    public static final int MAX = 16;

    private NodeAddresses() {}

    /** @throws CommandRejectedException INVALID on field {@code ips} naming the first problem */
    public static void check(List<IpAddress> ips) {
        if (ips == null || ips.isEmpty()) {
            throw CommandRejectedException.invalid(
                    "ips", "a node needs at least one address, e.g. {\"ips\":[\"192.168.0.10\"]}");
        }
        if (ips.size() > MAX) {
            throw CommandRejectedException.invalid(
                    "ips", ips.size() + " addresses given, a node may have at most " + MAX);
        }
        Set<IpAddress> seen = new HashSet<>();
        for (IpAddress ip : ips) {
            if (!seen.add(ip)) {
                throw CommandRejectedException.invalid("ips", ip + " is listed twice");
            }
            String problem = ip.isUnspecified()
                    ? "the unspecified address"
                    : ip.isBroadcast() ? "the broadcast address" : ip.isMulticast() ? "a multicast address" : null;
            if (problem != null) {
                throw CommandRejectedException.invalid("ips", ip + " is " + problem + ", not a node address");
            }
        }
    }
}
