package dev.tendril.policy.adapters.persistence;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.EventStoreException;
import dev.tendril.eventstore.JsonEventCodec;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.policy.app.RevisionLog;
import dev.tendril.policy.app.RevisionLog.Committed;
import dev.tendril.policy.app.RevisionLog.Locked;
import dev.tendril.policy.app.RevisionLog.Logged;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The store side of a {@link RevisionLog}: one kind of event in the service's event store (streams below
 * {@code streamPrefix}), a revision row ({@code <revisionTable>} with {@code id = 1}) and a read model
 * updated by {@code projection}, all in one transaction per write. Every write locks the revision row
 * ({@code SELECT ... FOR UPDATE}) before its first append and holds it until it commits, so the events
 * become visible in position order.
 */
final class RevisionLockedLog<E> {

    /** Updates the read model for one event, in the write's transaction. */
    interface Projection<E> {
        void project(Connection tx, E event) throws SQLException;
    }

    private final EventStore store;
    private final String revisionTable;
    private final String streamPrefix;
    private final JsonEventCodec<E> codec;
    private final Function<E, String> streamOf;
    private final ToLongFunction<E> revisionOf;
    private final Projection<E> projection;

    RevisionLockedLog(
            EventStore store,
            String revisionTable,
            String streamPrefix,
            JsonEventCodec<E> codec,
            Function<E, String> streamOf,
            ToLongFunction<E> revisionOf,
            Projection<E> projection) {
        this.store = store;
        this.revisionTable = revisionTable;
        this.streamPrefix = streamPrefix;
        this.codec = codec;
        this.streamOf = streamOf;
        this.revisionOf = revisionOf;
        this.projection = projection;
    }

    /** Carries a SQLException through the application's work, which sees no JDBC. */
    private static final class SqlFailure extends RuntimeException {
        SqlFailure(SQLException cause) {
            super(cause);
        }
    }

    <T> T write(Function<Locked<E>, T> work) {
        try {
            return store.transactions().inTransaction(tx -> {
                long locked;
                try (PreparedStatement lock = tx.prepareStatement(
                                "SELECT revision FROM " + revisionTable + " WHERE id = 1 FOR UPDATE");
                        ResultSet row = lock.executeQuery()) {
                    if (!row.next()) {
                        throw new SQLException(revisionTable + " has no row");
                    }
                    locked = row.getLong(1);
                }
                return work.apply(new Locked<>() {
                    @Override
                    public long revision() {
                        return locked;
                    }

                    @Override
                    public List<Logged<E>> after(long position) {
                        try {
                            return readAfter(tx, position, Integer.MAX_VALUE);
                        } catch (SQLException e) {
                            throw new SqlFailure(e);
                        }
                    }

                    @Override
                    public Committed commit(List<E> events) {
                        try {
                            return append(tx, locked + 1, events);
                        } catch (SQLException e) {
                            throw new SqlFailure(e);
                        }
                    }
                });
            });
        } catch (SqlFailure e) {
            SQLException cause = (SQLException) e.getCause();
            EventStoreException failure = new EventStoreException("transaction failed: " + cause.getMessage(), cause);
            for (Throwable suppressed : e.getSuppressed()) {
                failure.addSuppressed(suppressed);
            }
            throw failure;
        }
    }

    List<Logged<E>> after(long position, int limit) {
        return store.transactions().inTransaction(tx -> readAfter(tx, position, limit));
    }

    /** The revision as stored, 0 before the first write. */
    long revision() {
        return store.transactions().inTransaction(tx -> {
            try (PreparedStatement select =
                            tx.prepareStatement("SELECT revision FROM " + revisionTable + " WHERE id = 1");
                    ResultSet row = select.executeQuery()) {
                return row.next() ? row.getLong(1) : 0L;
            }
        });
    }

    private Committed append(Connection tx, long expected, List<E> events) throws SQLException {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("nothing to commit");
        }
        long revision = nextRevision(tx);
        if (revision != expected) {
            throw new IllegalStateException("the locked write commits revision " + revision + ", not " + expected);
        }
        long position = 0;
        for (E event : events) {
            if (revisionOf.applyAsLong(event) != revision) {
                throw new IllegalArgumentException(event + " does not carry the write's revision " + revision);
            }
            String stream = streamOf.apply(event);
            List<StoredEvent> appended =
                    store.append(tx, stream, EventStore.currentVersion(tx, stream), List.of(codec.encode(event)));
            position = Math.max(position, appended.get(appended.size() - 1).position());
            projection.project(tx, event);
        }
        return new Committed(revision, position);
    }

    private long nextRevision(Connection tx) throws SQLException {
        try (PreparedStatement update = tx.prepareStatement(
                        "UPDATE " + revisionTable + " SET revision = revision + 1 WHERE id = 1 RETURNING revision");
                ResultSet row = update.executeQuery()) {
            if (!row.next()) {
                throw new SQLException(revisionTable + " has no row");
            }
            return row.getLong(1);
        }
    }

    private List<Logged<E>> readAfter(Connection tx, long position, int limit) throws SQLException {
        List<Logged<E>> out = new ArrayList<>();
        // The prefix is a store's constant, never input: inlined so that the planner sees a prefix match.
        try (PreparedStatement select = tx.prepareStatement("SELECT position, stream_id, version, event_type, "
                + "schema_version, content_type, payload, recorded_at FROM events "
                + "WHERE position > ? AND stream_id LIKE '" + streamPrefix + "%' ORDER BY position LIMIT ?")) {
            select.setLong(1, position);
            select.setInt(2, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    StoredEvent stored = new StoredEvent(
                            rows.getLong(1),
                            rows.getString(2),
                            rows.getLong(3),
                            rows.getString(4),
                            rows.getInt(5),
                            rows.getString(6),
                            rows.getBytes(7),
                            rows.getTimestamp(8).toInstant());
                    if (codec.handles(stored.type())) {
                        out.add(new Logged<>(stored.position(), codec.decode(stored)));
                    }
                }
            }
        }
        return out;
    }
}
