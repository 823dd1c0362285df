package dev.tendril.ipam.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.Decider;
import dev.tendril.ipam.domain.PoolCommand.AllocateNodeCidrs;
import dev.tendril.ipam.domain.PoolCommand.ReleaseNodeCidrs;
import dev.tendril.ipam.domain.PoolEvent.NodeAddressesClaimed;
import dev.tendril.ipam.domain.PoolEvent.PodCidrAllocated;
import dev.tendril.ipam.domain.PoolEvent.PodCidrReleased;
import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Hands each node the lowest free node CIDR of every enabled pool; exhaustion names the pool. A
 * released node CIDR is quarantined like a released pod address, so a new node never gets addresses
 * whose previous owners may still be in other nodes' maps.
 */
public final class PoolDecider implements Decider<PoolCommand, PoolState, PoolEvent> {

    private final IpamSettings settings;

    public PoolDecider(IpamSettings settings) {
        this.settings = settings;
    }

    @Override
    public PoolState initialState() {
        return new PoolState(settings);
    }

    @Override
    public PoolState evolve(PoolState state, PoolEvent event) {
        switch (event) {
            case PodCidrAllocated allocated -> state.allocate(allocated.node(), allocated.cidr());
            case NodeAddressesClaimed claimed -> state.claim(claimed.node(), claimed.ips());
            case PodCidrReleased released ->
                state.release(released.node(), released.cidr(), released.at().plus(settings.quarantine()));
        }
        return state;
    }

    @Override
    public List<PoolEvent> decide(PoolCommand command, PoolState state) {
        return switch (command) {
            case AllocateNodeCidrs allocate -> allocate(allocate.node(), allocate.ips(), allocate.now(), state);
            case ReleaseNodeCidrs release -> release(release, state);
        };
    }

    private static List<PoolEvent> release(ReleaseNodeCidrs release, PoolState state) {
        List<PoolEvent> events = new ArrayList<>();
        state.cidrsOf(release.node())
                .values()
                .forEach(cidr -> events.add(new PodCidrReleased(release.node(), cidr, release.now())));
        if (!state.addressesOf(release.node()).isEmpty()) {
            events.add(new NodeAddressesClaimed(release.node(), List.of()));
        }
        return events;
    }

    private List<PoolEvent> allocate(String node, List<IpAddress> ips, Instant now, PoolState state) {
        NodeNames.check(node);
        List<PoolEvent> events = new ArrayList<>();
        if (!ips.isEmpty()) {
            NodeAddresses.check(ips);
            for (IpAddress ip : ips) {
                Optional<String> holder = state.holderOf(ip);
                if (holder.isPresent() && !holder.get().equals(node)) {
                    throw CommandRejectedException.conflict(
                            "ips",
                            ip + " is already the address of node '" + holder.get() + "'; node '" + node
                                    + "' cannot register with it");
                }
            }
            if (!state.addressesOf(node).equals(ips)) {
                events.add(new NodeAddressesClaimed(node, ips));
            }
        }
        Map<IpFamily, Cidr> existing = state.cidrsOf(node);
        for (PoolSpec pool : settings.pools()) {
            if (existing.containsKey(pool.family())) {
                continue;
            }
            Optional<Cidr> free = state.firstFree(pool, now);
            if (free.isEmpty()) {
                throw CommandRejectedException.conflict(
                        "pool",
                        "pool " + pool.name() + " " + pool.cidrs()
                                + " is exhausted: it holds " + pool.nodeCidrCapacity() + " node CIDRs of /"
                                + pool.nodeMask() + " and " + state.used(pool.family()) + " are used"
                                + quarantineNote(state.quarantined(pool.family(), now)) + "; node '" + node
                                + "' gets none");
            }
            events.add(new PodCidrAllocated(node, free.get()));
        }
        return events;
    }

    private static String quarantineNote(long quarantined) {
        return quarantined == 0 ? "" : " (" + quarantined + " more were released recently and are in quarantine)";
    }
}
