package dev.tendril.ipam.app;

import dev.tendril.ipam.app.CommandWriter.Command;
import dev.tendril.ipam.app.CommandWriter.Decision;
import dev.tendril.ipam.domain.NodeAddresses;
import dev.tendril.ipam.domain.NodeCommand;
import dev.tendril.ipam.domain.NodeEvent;
import dev.tendril.ipam.domain.NodeNames;
import dev.tendril.ipam.domain.NodeState;
import dev.tendril.ipam.domain.PoolCommand;
import dev.tendril.ipam.domain.PoolEvent;
import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Node registration and deregistration: the cluster pool hands the node its pod CIDRs (the same ones
 * on every registration) and the node's stream records them, both in one transaction.
 */
public final class NodeRegistrations {

    /** A node's registration as the caller sees it. */
    public record NodeView(
            String name,
            List<String> ips,
            List<String> podCidrs,
            List<String> routerIps,
            String cluster,
            long allocated) {}

    private final CommandWriter writer;
    private final String cluster;

    NodeRegistrations(CommandWriter writer, String cluster) {
        this.writer = writer;
        this.cluster = cluster;
    }

    /** Registers the node (or updates its IPs); returns its pod CIDRs, the same ones every time. */
    public NodeView registerNode(String name, List<String> ipTexts) {
        NodeNames.check(name);
        List<IpAddress> ips = Addresses.parseAll("ips", ipTexts);
        // Refused before it is queued: a node without (valid) addresses changes nothing.
        NodeAddresses.check(ips);
        return writer.submit(new Command<>(name, true, (streams, now) -> {
            List<PoolEvent> poolEvents = streams.decide(new PoolCommand.AllocateNodeCidrs(name, ips, now));
            Map<IpFamily, Cidr> cidrs = new EnumMap<>(IpFamily.class);
            cidrs.putAll(streams.pool().cidrsOf(name));
            poolEvents.forEach(e -> cidrOf(e).ifPresent(c -> cidrs.put(c.family(), c)));
            List<NodeEvent> nodeEvents =
                    streams.decide(new NodeCommand.RegisterNode(name, ips, cluster, List.copyOf(cidrs.values())));
            return new Decision<>(poolEvents, nodeEvents, NodeRegistrations::view);
        }));
    }

    /**
     * Removes the node and returns its pod CIDRs to the pool (after quarantine). Rare, so it is never
     * queued behind pod address commands: it commits in the caller's thread.
     */
    public void deregisterNode(String name, boolean force) {
        NodeNames.check(name);
        writer.runAlone(new Command<Void>(name, true, (streams, now) -> {
            List<NodeEvent> nodeEvents = streams.decide(new NodeCommand.DeregisterNode(name, force, now));
            List<PoolEvent> poolEvents = streams.decide(new PoolCommand.ReleaseNodeCidrs(name, now));
            return new Decision<>(poolEvents, nodeEvents, state -> null);
        }));
    }

    private static Optional<Cidr> cidrOf(PoolEvent event) {
        return switch (event) {
            case PoolEvent.PodCidrAllocated allocated -> Optional.of(allocated.cidr());
            case PoolEvent.PodCidrReleased released -> Optional.of(released.cidr());
            case PoolEvent.NodeAddressesClaimed claimed -> Optional.empty();
        };
    }

    private static NodeView view(NodeState state) {
        return new NodeView(
                state.name(),
                state.ips().stream().map(IpAddress::toString).toList(),
                state.podCidrs().stream().map(Cidr::toString).toList(),
                state.routerIps().stream().map(IpAddress::toString).toList(),
                state.cluster(),
                state.allocations().stream().mapToLong(a -> a.ips().size()).sum());
    }
}
