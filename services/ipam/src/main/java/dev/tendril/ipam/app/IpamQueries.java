package dev.tendril.ipam.app;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Port: the read model (query tables) the persistence adapter keeps in step with the events, each
 * call in a transaction of its own. Every replica answers a query the same, whatever its caches hold.
 */
public interface IpamQueries {

    /** A node as the read model has it. */
    record NodeRow(String name, List<String> ips, List<String> podCidrs, List<String> routerIps, String cluster) {}

    /** One allocated pod address. */
    record AllocationRow(
            String ip, String node, String family, String owner, String uid, Instant allocatedAt, boolean confirmed) {}

    /** The registered nodes and the allocated pod addresses per family label, read together. */
    record Usage(List<NodeRow> nodes, Map<String, Long> allocatedPerFamily) {}

    /** Every registered node, by name. */
    List<NodeRow> nodes();

    Optional<NodeRow> node(String name);

    /** The node's allocations, oldest first; empty if the node is not registered. */
    Optional<List<AllocationRow>> allocations(String node);

    /** Every node's allocations. */
    List<AllocationRow> allAllocations();

    /** Nodes holding an unconfirmed allocation made before {@code cutoff}: the ones expiry has work on. */
    List<String> nodesWithUnconfirmedBefore(Instant cutoff);

    Usage usage();
}
