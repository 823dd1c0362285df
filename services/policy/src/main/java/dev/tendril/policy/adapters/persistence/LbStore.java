package dev.tendril.policy.adapters.persistence;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.EventStoreException;
import dev.tendril.eventstore.JsonEventCodec;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.policy.app.LbRepository;
import dev.tendril.policy.lb.LbEvent;
import dev.tendril.policy.lb.LbEvent.EndpointSliceApplied;
import dev.tendril.policy.lb.LbEvent.EndpointSliceDeleted;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.LbEvent.ServiceDeleted;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Services, EndpointSlices and backend ids as events in the service's event store (streams {@code lb/...}),
 * the {@code lb_objects} read model and the {@code lb_revision} row, all in one transaction per write. Every
 * write holds the {@code lb_revision} row lock from before its first append until it commits.
 */
public final class LbStore implements LbRepository {

    public static final JsonEventCodec<LbEvent> CODEC = JsonEventCodec.ofSealed(LbEvent.class, PolicyJson.MAPPER);

    private final EventStore store;

    public LbStore(EventStore store) {
        this.store = store;
    }

    public static String serviceStream(String namespace, String name) {
        return "lb/Service/" + namespace + "/" + name;
    }

    /** Carries a SQLException through the application's work, which sees no JDBC. */
    private static final class SqlFailure extends RuntimeException {
        SqlFailure(SQLException cause) {
            super(cause);
        }
    }

    @Override
    public <T> T write(Function<Locked, T> work) {
        try {
            return store.transactions().inTransaction(tx -> {
                long locked;
                try (PreparedStatement lock =
                                tx.prepareStatement("SELECT revision FROM lb_revision WHERE id = 1 FOR UPDATE");
                        ResultSet row = lock.executeQuery()) {
                    if (!row.next()) {
                        throw new SQLException("lb_revision has no row");
                    }
                    locked = row.getLong(1);
                }
                return work.apply(new Locked() {
                    @Override
                    public long revision() {
                        return locked;
                    }

                    @Override
                    public List<Logged> after(long position) {
                        try {
                            return readAfter(tx, position, Integer.MAX_VALUE);
                        } catch (SQLException e) {
                            throw new SqlFailure(e);
                        }
                    }

                    @Override
                    public Committed commit(List<LbEvent> events) {
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
            throw new EventStoreException("transaction failed: " + cause.getMessage(), cause);
        }
    }

    private Committed append(Connection tx, long expected, List<LbEvent> events) throws SQLException {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("nothing to commit");
        }
        long revision;
        try (PreparedStatement update = tx.prepareStatement(
                        "UPDATE lb_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision");
                ResultSet row = update.executeQuery()) {
            row.next();
            revision = row.getLong(1);
        }
        if (revision != expected) {
            throw new IllegalStateException("the locked write commits revision " + revision + ", not " + expected);
        }
        long position = 0;
        for (LbEvent event : events) {
            if (event.revision() != revision) {
                throw new IllegalArgumentException(event + " does not carry the write's revision " + revision);
            }
            List<StoredEvent> appended = store.append(
                    tx, event.stream(), EventStore.currentVersion(tx, event.stream()), List.of(CODEC.encode(event)));
            position = Math.max(position, appended.get(appended.size() - 1).position());
            project(tx, event);
        }
        return new Committed(revision, position);
    }

    @Override
    public List<Logged> after(long position, int limit) {
        return store.transactions().inTransaction(tx -> readAfter(tx, position, limit));
    }

    @Override
    public long revision() {
        return store.transactions().inTransaction(tx -> {
            try (PreparedStatement select = tx.prepareStatement("SELECT revision FROM lb_revision WHERE id = 1");
                    ResultSet row = select.executeQuery()) {
                return row.next() ? row.getLong(1) : 0L;
            }
        });
    }

    private List<Logged> readAfter(Connection tx, long position, int limit) throws SQLException {
        List<Logged> out = new ArrayList<>();
        try (PreparedStatement select = tx.prepareStatement("SELECT position, stream_id, version, event_type, "
                + "schema_version, content_type, payload, recorded_at FROM events "
                + "WHERE position > ? AND stream_id LIKE 'lb/%' ORDER BY position LIMIT ?")) {
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
                    if (CODEC.handles(stored.type())) {
                        out.add(new Logged(stored.position(), CODEC.decode(stored)));
                    }
                }
            }
        }
        return out;
    }

    private static void project(Connection tx, LbEvent event) throws SQLException {
        switch (event) {
            case ServiceApplied a ->
                upsert(tx, "Service", a.service().namespace(), a.service().name(), a);
            case ServiceDeleted d -> delete(tx, "Service", d.namespace(), d.name());
            case EndpointSliceApplied a ->
                upsert(tx, "EndpointSlice", a.slice().namespace(), a.slice().name(), a);
            case EndpointSliceDeleted d -> delete(tx, "EndpointSlice", d.namespace(), d.name());
            default -> {
                // Backend ids have no read model row: they are part of the published maps.
            }
        }
    }

    private static void upsert(Connection tx, String kind, String namespace, String name, LbEvent event)
            throws SQLException {
        try (PreparedStatement upsert = tx.prepareStatement(
                "INSERT INTO lb_objects (kind, namespace, name, revision, object) VALUES (?, ?, ?, ?, ?::jsonb) "
                        + "ON CONFLICT (kind, namespace, name) DO UPDATE SET revision = EXCLUDED.revision, "
                        + "object = EXCLUDED.object, updated_at = now()")) {
            upsert.setString(1, kind);
            upsert.setString(2, namespace);
            upsert.setString(3, name);
            upsert.setLong(4, event.revision());
            upsert.setString(5, PolicyJson.writeString(event));
            upsert.executeUpdate();
        }
    }

    private static void delete(Connection tx, String kind, String namespace, String name) throws SQLException {
        try (PreparedStatement delete =
                tx.prepareStatement("DELETE FROM lb_objects WHERE kind = ? AND namespace = ? AND name = ?")) {
            delete.setString(1, kind);
            delete.setString(2, namespace);
            delete.setString(3, name);
            delete.executeUpdate();
        }
    }
}
