package dev.tendril.ipam.domain;

import dev.tendril.net.IpAddress;
import java.time.Instant;
import java.util.List;

/** The addresses one pod incarnation (uid) holds on a node. */
public record PodAllocation(String owner, String uid, List<IpAddress> ips, Instant allocatedAt, boolean confirmed) {

    public PodAllocation {
        ips = List.copyOf(ips);
    }
}
