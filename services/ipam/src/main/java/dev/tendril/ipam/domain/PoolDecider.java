package dev.tendril.ipam.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.Decider;
import dev.tendril.ipam.domain.PoolCommand.AllocateNodeCidrs;
import dev.tendril.ipam.domain.PoolCommand.ReleaseNodeCidrs;
import dev.tendril.ipam.domain.PoolEvent.PodCidrAllocated;
import dev.tendril.ipam.domain.PoolEvent.PodCidrReleased;
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
            case PodCidrReleased released -> state.release(released.node(), released.cidr(),
                    released.at().plus(settings.quarantine()));
        }
        return state;
    }

    @Override
    public List<PoolEvent> decide(PoolCommand command, PoolState state) {
        return switch (command) {
            case AllocateNodeCidrs allocate -> allocate(allocate.node(), allocate.now(), state);
            case ReleaseNodeCidrs release -> state.cidrsOf(release.node()).values().stream()
                    .<PoolEvent>map(cidr -> new PodCidrReleased(release.node(), cidr, release.now()))
                    .toList();
        };
    }

    private List<PoolEvent> allocate(String node, Instant now, PoolState state) {
        NodeNames.check(node);
        Map<IpFamily, Cidr> existing = state.cidrsOf(node);
        List<PoolEvent> events = new ArrayList<>();
        for (PoolSpec pool : settings.pools()) {
            if (existing.containsKey(pool.family())) {
                continue;
            }
            Optional<Cidr> free = state.firstFree(pool, now);
            if (free.isEmpty()) {
                throw CommandRejectedException.conflict("pool", "pool " + pool.name() + " " + pool.cidrs()
                        + " is exhausted: it holds " + pool.nodeCidrCapacity() + " node CIDRs of /"
                        + pool.nodeMask() + " and " + state.used(pool.family()) + " are used"
                        + quarantineNote(state.quarantined(pool.family(), now)) + "; node '" + node + "' gets none");
            }
            events.add(new PodCidrAllocated(node, free.get()));
        }
        return events;
    }

    private static String quarantineNote(long quarantined) {
        return quarantined == 0 ? "" : " (" + quarantined + " more were released recently and are in quarantine)";
    }
}
