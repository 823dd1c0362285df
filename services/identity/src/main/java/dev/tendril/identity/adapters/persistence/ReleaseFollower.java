package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.StoredEvent;
import dev.tendril.eventstore.Transactions;
import dev.tendril.identity.domain.IdentityEvent;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Evicts identities released by other replicas from this replica's reuse cache by reading the
 * {@code IdentityReleased} events appended since its last looks. Positions are taken at insert, not at
 * commit, so a release can become visible below a position already read: each look starts from the
 * highest position seen {@link #OVERLAP_POLLS} looks ago, not from the last one. Eviction is
 * idempotent, so reading an event twice is harmless; the range scan uses the position index.
 */
public final class ReleaseFollower {

    /** With a 500 ms poll, about 5 s of overlap: far longer than any identity transaction. */
    static final int OVERLAP_POLLS = 10;

    private final Transactions transactions;
    private final IdentityAllocator allocator;
    private final Deque<Long> seen = new ArrayDeque<>();
    private long highest = -1;

    public ReleaseFollower(Transactions transactions, IdentityAllocator allocator) {
        this.transactions = transactions;
        this.allocator = allocator;
    }

    /** One look; returns how many release events it read. */
    public synchronized int poll() {
        if (highest < 0) {
            // The cache starts empty: only releases after start-up can make it stale.
            highest = transactions.inTransaction(tx -> {
                try (PreparedStatement select = tx.prepareStatement("SELECT coalesce(max(position), 0) FROM events");
                        ResultSet row = select.executeQuery()) {
                    row.next();
                    return row.getLong(1);
                }
            });
        }
        long from = seen.isEmpty() ? highest : seen.peekFirst();
        List<StoredEvent> released = new ArrayList<>();
        long max = transactions.inTransaction(tx -> {
            long top = highest;
            try (PreparedStatement select = tx.prepareStatement("SELECT position, stream_id, version, event_type, "
                    + "schema_version, content_type, CASE WHEN event_type = 'IdentityReleased' THEN payload END, recorded_at "
                    + "FROM events WHERE position > ? ORDER BY position")) {
                select.setLong(1, from);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        top = Math.max(top, rows.getLong(1));
                        if ("IdentityReleased".equals(rows.getString(4))) {
                            released.add(new StoredEvent(rows.getLong(1), rows.getString(2), rows.getLong(3),
                                    rows.getString(4), rows.getInt(5), rows.getString(6), rows.getBytes(7),
                                    rows.getTimestamp(8).toInstant()));
                        }
                    }
                }
            }
            return top;
        });
        for (StoredEvent event : released) {
            if (Codecs.IDENTITY.decode(event) instanceof IdentityEvent.IdentityReleased r) {
                allocator.forget(r.id(), r.labels());
            }
        }
        highest = max;
        seen.addLast(max);
        if (seen.size() > OVERLAP_POLLS) {
            seen.removeFirst();
        }
        return released.size();
    }
}
