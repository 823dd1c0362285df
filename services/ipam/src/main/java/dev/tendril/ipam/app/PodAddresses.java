package dev.tendril.ipam.app;

import dev.tendril.ipam.app.CommandWriter.Command;
import dev.tendril.ipam.app.CommandWriter.Decision;
import dev.tendril.ipam.domain.NodeCommand;
import dev.tendril.ipam.domain.NodeEvent;
import dev.tendril.ipam.domain.NodeNames;
import dev.tendril.ipam.domain.NodeState;
import dev.tendril.ipam.domain.PodAllocation;
import dev.tendril.net.IpAddress;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Pod addresses on a node: allocate, confirm, release (by address, by pod, as a leak, on expiry).
 * Each is one command on the node's stream, group-committed with other commands of the same writer.
 */
public final class PodAddresses {

    /** The addresses of one pod; {@code created} is false for an idempotent retry. */
    public record Allocation(List<String> ips, boolean created) {}

    private final CommandWriter writer;

    PodAddresses(CommandWriter writer) {
        this.writer = writer;
    }

    /** One address per family for the pod; a retry with the same uid returns the same ones. */
    public Allocation allocate(String node, String owner, String uid) {
        return onNode(node, now -> new NodeCommand.AllocatePodIps(node, owner, uid, now), (events, state) -> {
            List<String> ips = events.stream()
                    .filter(e ->
                            e instanceof NodeEvent.PodIpAllocated a && a.uid().equals(uid))
                    .map(e -> ((NodeEvent.PodIpAllocated) e).ip().toString())
                    .toList();
            if (!ips.isEmpty()) {
                return new Allocation(ips, true);
            }
            // A retry decides no events, so the state is the one the retry found.
            PodAllocation existing = state.allocationOf(uid).orElseThrow();
            return new Allocation(
                    existing.ips().stream().map(IpAddress::toString).toList(), false);
        });
    }

    /** Frees the address if {@code uid} holds it; false if it was free already. Stale uids are refused. */
    public boolean release(String node, String ipText, String uid) {
        IpAddress ip = Addresses.parse("ip", ipText);
        return onNode(
                node, now -> new NodeCommand.ReleasePodIp(node, ip, uid, now), (events, state) -> !events.isEmpty());
    }

    /**
     * Frees every address {@code uid} holds on the node (a dual-stack pod's two in one command) and
     * returns them; empty if the uid holds nothing (already released, or a stale uid).
     *
     * @param rollback the pod's creation failed before it had an endpoint: addresses never confirmed are free
     *     again at once, not quarantined (confirmed ones are quarantined all the same)
     */
    public List<String> releasePod(String node, String uid, boolean rollback) {
        return onNode(
                node,
                now -> new NodeCommand.ReleasePod(node, uid, now, rollback),
                (events, state) -> events.stream()
                        .map(e -> ((NodeEvent.PodIpReleased) e).ip().toString())
                        .toList());
    }

    /** Releases an address the leak report found, if {@code uid} still holds it. */
    public boolean releaseLeaked(String node, String ipText, String uid) {
        IpAddress ip = Addresses.parse("ip", ipText);
        return onNode(
                node,
                now -> new NodeCommand.ReleaseLeakedPodIp(node, ip, uid, now),
                (events, state) -> !events.isEmpty());
    }

    /** The pod has an endpoint: its addresses no longer expire. */
    public void confirm(String node, String uid) {
        onNode(node, now -> new NodeCommand.ConfirmPodIps(node, uid), (events, state) -> null);
    }

    /** Releases the node's expired unconfirmed allocations; returns how many addresses were freed. */
    int expireUnconfirmed(String node) {
        return onNode(node, now -> new NodeCommand.ExpireUnconfirmed(node, now), (events, state) -> events.size());
    }

    /** A command on the node's stream, decided at the writer's {@code now}; the answer reads its events. */
    private <T> T onNode(
            String node, Function<Instant, NodeCommand> command, BiFunction<List<NodeEvent>, NodeState, T> answer) {
        NodeNames.check(node);
        return writer.submit(new Command<>(node, false, (streams, now) -> {
            List<NodeEvent> events = streams.decide(command.apply(now));
            return Decision.onNode(events, state -> answer.apply(events, state));
        }));
    }
}
