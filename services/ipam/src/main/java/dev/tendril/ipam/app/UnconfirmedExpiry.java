package dev.tendril.ipam.app;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.ipam.domain.IpamSettings;
import java.time.Clock;
import java.time.Instant;

/**
 * Releases allocations no endpoint confirmed within the expiry (a pod whose creation died half way).
 * The read model says which nodes have any, so a sweep costs one query when there is nothing to do.
 */
public final class UnconfirmedExpiry {

    private final IpamQueries queries;
    private final PodAddresses pods;
    private final IpamSettings settings;
    private final Clock clock;

    UnconfirmedExpiry(IpamQueries queries, PodAddresses pods, IpamSettings settings, Clock clock) {
        this.queries = queries;
        this.pods = pods;
        this.settings = settings;
        this.clock = clock;
    }

    /** Releases every node's expired unconfirmed allocations; returns how many addresses were freed. */
    public int expireUnconfirmed() {
        int freed = 0;
        Instant cutoff = clock.instant().minus(settings.unconfirmedExpiry());
        for (String node : queries.nodesWithUnconfirmedBefore(cutoff)) {
            try {
                freed += pods.expireUnconfirmed(node);
            } catch (CommandRejectedException gone) {
                // Deregistered since we listed it.
            }
        }
        return freed;
    }
}
