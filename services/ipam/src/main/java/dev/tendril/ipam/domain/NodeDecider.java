package dev.tendril.ipam.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.Decider;
import dev.tendril.ipam.domain.NodeCommand.AllocatePodIps;
import dev.tendril.ipam.domain.NodeCommand.ConfirmPodIps;
import dev.tendril.ipam.domain.NodeCommand.DeregisterNode;
import dev.tendril.ipam.domain.NodeCommand.ExpireUnconfirmed;
import dev.tendril.ipam.domain.NodeCommand.RegisterNode;
import dev.tendril.ipam.domain.NodeCommand.ReleaseLeakedPodIp;
import dev.tendril.ipam.domain.NodeCommand.ReleasePod;
import dev.tendril.ipam.domain.NodeCommand.ReleasePodIp;
import dev.tendril.ipam.domain.NodeEvent.NodeDeregistered;
import dev.tendril.ipam.domain.NodeEvent.NodeRegistered;
import dev.tendril.ipam.domain.NodeEvent.PodIpAllocated;
import dev.tendril.ipam.domain.NodeEvent.PodIpReleased;
import dev.tendril.ipam.domain.NodeEvent.PodIpsConfirmed;
import dev.tendril.ipam.domain.NodeEvent.ReleaseReason;
import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pod address allocation on one node: one address per family from the node's pod CIDRs, idempotent by
 * pod uid, released only by the uid that holds it, quarantined after release, expired if never
 * confirmed. State is one node ({@link NodeState}); the stream is {@code node/<name>}.
 */
public final class NodeDecider implements Decider<NodeCommand, NodeState, NodeEvent> {

    /** At most this many stale allocations are expired as a side effect of one allocation. */
    static final int EXPIRE_BATCH = 64;

    private final String node;
    private final Duration quarantine;
    private final Duration unconfirmedExpiry;

    public NodeDecider(String node, IpamSettings settings) {
        this(node, settings.quarantine(), settings.unconfirmedExpiry());
    }

    public NodeDecider(String node, Duration quarantine, Duration unconfirmedExpiry) {
        this.node = node;
        this.quarantine = quarantine;
        this.unconfirmedExpiry = unconfirmedExpiry;
    }

    @Override
    public NodeState initialState() {
        return new NodeState(node);
    }

    @Override
    public NodeState evolve(NodeState state, NodeEvent event) {
        switch (event) {
            case NodeRegistered registered -> state.register(registered);
            case PodIpAllocated allocated -> state.allocate(allocated);
            case PodIpReleased released ->
                state.release(
                        released,
                        released.reason().quarantines() ? released.at().plus(quarantine) : null);
            case PodIpsConfirmed confirmed -> state.confirm(confirmed.uid());
            case NodeDeregistered deregistered -> state.deregister();
        }
        return state;
    }

    @Override
    public List<NodeEvent> decide(NodeCommand command, NodeState state) {
        return switch (command) {
            case RegisterNode register -> register(register, state);
            case AllocatePodIps allocate -> allocate(allocate, state);
            case ReleasePodIp release ->
                release(release.ip(), release.uid(), release.now(), ReleaseReason.RELEASED, state);
            case ReleasePod release -> releasePod(release, state);
            case ReleaseLeakedPodIp leaked ->
                release(leaked.ip(), leaked.uid(), leaked.now(), ReleaseReason.LEAKED, state);
            case ConfirmPodIps confirm -> confirm(confirm, state);
            case ExpireUnconfirmed expire -> {
                requireRegistered(state);
                yield expired(state, expire.now(), Integer.MAX_VALUE);
            }
            case DeregisterNode deregister -> deregister(deregister, state);
        };
    }

    private List<NodeEvent> register(RegisterNode command, NodeState state) {
        NodeNames.check(command.node());
        NodeAddresses.check(command.ips());
        if (command.podCidrs().isEmpty()) {
            throw CommandRejectedException.invalid("podCIDRs", "node '" + command.node() + "' has no pod CIDR");
        }
        String cluster = command.cluster() == null ? "" : command.cluster();
        if (state.registered()
                && state.ips().equals(command.ips())
                && state.cluster().equals(cluster)
                && state.podCidrs().equals(sorted(command.podCidrs()))) {
            return List.of();
        }
        List<Cidr> cidrs = sorted(command.podCidrs());
        List<IpAddress> routers =
                cidrs.stream().map(cidr -> new AddressBlock(cidr).routerIp()).toList();
        return List.of(new NodeRegistered(command.node(), command.ips(), cluster, cidrs, routers));
    }

    private static List<Cidr> sorted(List<Cidr> cidrs) {
        return cidrs.stream().sorted().toList();
    }

    private List<NodeEvent> allocate(AllocatePodIps command, NodeState state) {
        requireRegistered(state);
        String owner = command.owner();
        PodNames.checkOwner(owner);
        PodNames.checkUid(command.uid());
        Optional<PodAllocation> existing = state.allocationOf(command.uid());
        if (existing.isPresent()) {
            if (!existing.get().owner().equals(owner)) {
                throw CommandRejectedException.conflict(
                        "uid",
                        "uid " + command.uid() + " already holds "
                                + existing.get().ips() + " for "
                                + existing.get().owner() + ", not " + owner);
            }
            return List.of();
        }
        List<NodeEvent> events = new ArrayList<>(expired(state, command.now(), EXPIRE_BATCH));
        for (Map.Entry<IpFamily, AddressBlock> entry : state.blocks().entrySet()) {
            AddressBlock block = entry.getValue();
            Optional<IpAddress> free = block.nextFree(command.now());
            if (free.isEmpty()) {
                throw full(state, block, command.now());
            }
            events.add(new PodIpAllocated(node, free.get(), owner, command.uid(), command.now()));
        }
        return events;
    }

    private CommandRejectedException full(NodeState state, AddressBlock block, Instant now) {
        long quarantined = block.quarantined(now);
        String message = "node '" + state.name() + "' has no free "
                + block.cidr().family().label()
                + " address: pod CIDR " + block.cidr() + " has " + block.capacity() + " allocatable addresses, "
                + block.allocated() + " allocated";
        if (quarantined > 0) {
            message += ", " + quarantined + " released and in quarantine (the first is free again at "
                    + block.quarantineEnds(now).orElseThrow() + ")";
        }
        return CommandRejectedException.conflict("node", message);
    }

    private List<NodeEvent> expired(NodeState state, Instant now, int limit) {
        List<NodeEvent> events = new ArrayList<>();
        int expiredPods = 0;
        for (Map.Entry<String, Instant> entry : state.unconfirmed().entrySet()) {
            if (expiredPods >= limit || entry.getValue().plus(unconfirmedExpiry).isAfter(now)) {
                break;
            }
            PodAllocation pod = state.allocationOf(entry.getKey()).orElseThrow();
            for (IpAddress ip : pod.ips()) {
                events.add(new PodIpReleased(node, ip, pod.uid(), now, ReleaseReason.EXPIRED));
            }
            expiredPods++;
        }
        return events;
    }

    private List<NodeEvent> release(IpAddress ip, String uid, Instant now, ReleaseReason reason, NodeState state) {
        requireRegistered(state);
        if (uid == null || uid.isBlank()) {
            throw CommandRejectedException.invalid(
                    "uid", "a release must carry the uid of the pod that holds the address");
        }
        boolean inNode = state.podCidrs().stream().anyMatch(cidr -> cidr.contains(ip));
        if (!inNode) {
            throw CommandRejectedException.invalid(
                    "ip", ip + " is not in the pod CIDRs " + state.podCidrs() + " of node '" + state.name() + "'");
        }
        Optional<String> holder = state.ownerOf(ip);
        if (holder.isEmpty()) {
            // Releasing a free address is a no-op, as in Cilium: a retried CNI DEL must succeed.
            return List.of();
        }
        if (!holder.get().equals(uid)) {
            PodAllocation pod = state.allocationOf(holder.get()).orElseThrow();
            throw CommandRejectedException.conflict(
                    "uid",
                    ip + " is held by " + pod.owner() + " (uid " + pod.uid() + "), not uid " + uid
                            + ": stale release, nothing freed");
        }
        return List.of(new PodIpReleased(node, ip, uid, now, reason));
    }

    private List<NodeEvent> releasePod(ReleasePod command, NodeState state) {
        requireRegistered(state);
        if (command.uid() == null || command.uid().isBlank()) {
            throw CommandRejectedException.invalid(
                    "uid", "a release must carry the uid of the pod that holds the addresses");
        }
        // Only what this uid holds: a stale uid (another incarnation of the pod holds the addresses) frees nothing.
        return state.allocationOf(command.uid())
                .map(pod -> {
                    // Only an allocation no endpoint ever confirmed may skip the quarantine: once confirmed, the
                    // addresses may be in ipcaches, and a new pod must not get them before those entries are gone.
                    ReleaseReason reason =
                            command.rollback() && !pod.confirmed() ? ReleaseReason.ROLLED_BACK : ReleaseReason.RELEASED;
                    return pod.ips().stream()
                            .<NodeEvent>map(ip -> new PodIpReleased(node, ip, command.uid(), command.now(), reason))
                            .toList();
                })
                .orElse(List.of());
    }

    private List<NodeEvent> confirm(ConfirmPodIps command, NodeState state) {
        requireRegistered(state);
        PodAllocation pod = state.allocationOf(command.uid())
                .orElseThrow(() -> CommandRejectedException.notFound(
                        "uid",
                        "no addresses are allocated to uid " + command.uid() + " on node '" + state.name() + "'"));
        return pod.confirmed() ? List.of() : List.of(new PodIpsConfirmed(node, command.uid()));
    }

    private List<NodeEvent> deregister(DeregisterNode command, NodeState state) {
        requireRegistered(state);
        int held = state.allocations().size();
        if (held > 0 && !command.force()) {
            throw CommandRejectedException.conflict(
                    "name",
                    "node '" + state.name() + "' still has " + held
                            + " pods holding addresses; release them first or deregister with force");
        }
        return List.of(new NodeDeregistered(node, command.force(), command.now()));
    }

    private static void requireRegistered(NodeState state) {
        if (!state.registered()) {
            throw CommandRejectedException.notFound("name", "node '" + state.name() + "' is not registered");
        }
    }
}
