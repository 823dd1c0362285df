package dev.tendril.identity.app;

import dev.tendril.identity.domain.IdentityEvent.IdentityReleased;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Evicts identities released by other replicas from this replica's reuse cache by reading the
 * {@code IdentityReleased} events appended since its last looks. Positions are taken at insert, not at
 * commit, so a release can become visible below a position already read: each look starts from the
 * highest position seen {@link #OVERLAP_POLLS} looks ago, not from the last one. Eviction is
 * idempotent, so reading an event twice is harmless.
 */
public final class ReleaseFollower {

    /** With a 500 ms poll, about 5 s of overlap: far longer than any identity transaction. */
    static final int OVERLAP_POLLS = 10;

    private final IdentityStorage storage;
    private final IdentityAllocator allocator;
    private final Deque<Long> seen = new ArrayDeque<>();
    private long highest = -1;

    public ReleaseFollower(IdentityStorage storage, IdentityAllocator allocator) {
        this.storage = storage;
        this.allocator = allocator;
    }

    /** One look; returns how many release events it read. */
    public synchronized int poll() {
        if (highest < 0) {
            // The cache starts empty: only releases after start-up can make it stale.
            highest = storage.inTransaction(tx -> tx.events().lastPosition());
        }
        long from = seen.isEmpty() ? highest : seen.peekFirst();
        EventStreams.Releases releases = storage.inTransaction(tx -> tx.events().releasesAfter(from));
        for (IdentityReleased released : releases.released()) {
            allocator.forget(released.id(), released.labels());
        }
        long max = Math.max(highest, releases.highest());
        highest = max;
        seen.addLast(max);
        if (seen.size() > OVERLAP_POLLS) {
            seen.removeFirst();
        }
        return releases.released().size();
    }
}
