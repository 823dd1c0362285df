package dev.tendril.eventstore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Append-only event streams in PostgreSQL with optimistic concurrency.
 *
 * <p>Appends take an open connection so that a command handler can write its events and its read
 * model in the same transaction; the {@code Transactions}-managed variants open their own.
 *
 * <p>Every appended event is stamped with its {@link ChangeOrigin}: its own if it carries one, else
 * the one bound by {@link ChangeOrigin#supplyAs} around the append, else what the store's origin
 * source says (the Quarkus adapter reads the current request).
 */
public final class EventStore {

    /** Expected version of a stream that must not exist yet. */
    public static final long NO_STREAM = 0;

    private static final String COLUMNS =
            "position, stream_id, version, event_type, schema_version, content_type, payload, recorded_at, principal, request_id";

    private final Transactions transactions;
    private final Supplier<ChangeOrigin> origins;

    /** A store whose events, unless they say otherwise, are caused by {@link ChangeOrigin#UNKNOWN}. */
    public EventStore(Transactions transactions) {
        this(transactions, () -> ChangeOrigin.UNKNOWN);
    }

    public EventStore(Transactions transactions, Supplier<ChangeOrigin> origins) {
        this.transactions = transactions;
        this.origins = Objects.requireNonNull(origins, "origins");
    }

    /**
     * Who an event appended now by this thread is caused by. Code that hands work to another thread
     * (a group commit) takes it in the caller's thread and binds it there ({@link ChangeOrigin#supplyAs}).
     */
    public ChangeOrigin origin() {
        ChangeOrigin bound = ChangeOrigin.bound();
        return bound != null ? bound : origins.get();
    }

    public Transactions transactions() {
        return transactions;
    }

    /** Appends in a transaction of its own. */
    public List<StoredEvent> append(String streamId, long expectedVersion, List<NewEvent> events) {
        return transactions.inTransaction(tx -> append(tx, streamId, expectedVersion, events));
    }

    /**
     * Appends {@code events} to the stream, which must be at {@code expectedVersion} (0 for a new
     * stream). A stale expected version throws {@link ConcurrencyException}; the caller's transaction
     * must then be rolled back (the handler does) and nothing is written.
     */
    public List<StoredEvent> append(Connection tx, String streamId, long expectedVersion, List<NewEvent> events)
            throws SQLException {
        Objects.requireNonNull(streamId, "streamId");
        if (streamId.isBlank()) {
            throw new IllegalArgumentException("streamId must not be blank");
        }
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expectedVersion must be >= 0, was " + expectedVersion);
        }
        if (events.isEmpty()) {
            return List.of();
        }
        long newVersion = expectedVersion + events.size();
        advanceStream(tx, streamId, expectedVersion, newVersion);
        return insert(tx, streamId, expectedVersion, events, origin());
    }

    /**
     * Moves the stream row from the expected to the new version. The row lock makes a concurrent
     * appender wait for our commit and then fail its version check instead of writing a duplicate.
     * The transaction-id guard keeps "events of a stream, ordered by transaction id" equal to their
     * version order, which the relay relies on: a transaction that got its id before the stream's last
     * writer committed must retry rather than append behind it with a smaller id.
     */
    private static void advanceStream(Connection tx, String streamId, long expectedVersion, long newVersion)
            throws SQLException {
        int changed;
        if (expectedVersion == NO_STREAM) {
            try (PreparedStatement insert = tx.prepareStatement(
                    "INSERT INTO streams (stream_id, version, last_tx_id) VALUES (?, ?, pg_current_xact_id()) "
                            + "ON CONFLICT (stream_id) DO NOTHING")) {
                insert.setString(1, streamId);
                insert.setLong(2, newVersion);
                changed = insert.executeUpdate();
            }
        } else {
            try (PreparedStatement update =
                    tx.prepareStatement("UPDATE streams SET version = ?, last_tx_id = pg_current_xact_id() "
                            + "WHERE stream_id = ? AND version = ? AND last_tx_id <= pg_current_xact_id()")) {
                update.setLong(1, newVersion);
                update.setString(2, streamId);
                update.setLong(3, expectedVersion);
                changed = update.executeUpdate();
            }
        }
        if (changed == 1) {
            return;
        }
        long actual = currentVersion(tx, streamId);
        if (actual != expectedVersion) {
            throw new ConcurrencyException(streamId, expectedVersion, actual);
        }
        throw new ConcurrencyException(
                streamId, actual, "this transaction started writing before the stream's last append committed; retry");
    }

    /** One JDBC batch for all events of the append: one round trip instead of one per event. */
    private static List<StoredEvent> insert(
            Connection tx, String streamId, long expectedVersion, List<NewEvent> events, ChangeOrigin current)
            throws SQLException {
        List<StoredEvent> stored = new ArrayList<>(events.size());
        try (PreparedStatement insert = tx.prepareStatement(
                "INSERT INTO events (stream_id, version, event_type, schema_version, content_type, payload, "
                        + "principal, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                new String[] {"position", "recorded_at"})) {
            long version = expectedVersion;
            for (NewEvent event : events) {
                version++;
                insert.setString(1, streamId);
                insert.setLong(2, version);
                insert.setString(3, event.type());
                insert.setInt(4, event.schemaVersion());
                insert.setString(5, event.contentType());
                insert.setBytes(6, event.payload());
                ChangeOrigin origin = originOf(event, current);
                insert.setString(7, origin.principal());
                insert.setString(8, origin.requestId());
                insert.addBatch();
            }
            insert.executeBatch();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                version = expectedVersion;
                for (NewEvent event : events) {
                    if (!keys.next()) {
                        throw new SQLException("insert of " + events.size() + " events returned fewer keys");
                    }
                    version++;
                    stored.add(new StoredEvent(
                            keys.getLong(1),
                            streamId,
                            version,
                            event.type(),
                            event.schemaVersion(),
                            event.contentType(),
                            event.payload(),
                            keys.getTimestamp(2).toInstant(),
                            originOf(event, current)));
                }
            }
        }
        return stored;
    }

    static ChangeOrigin originOf(NewEvent event, ChangeOrigin current) {
        return event.origin() != null ? event.origin() : current;
    }

    /** The stream's version: the number of events in it, 0 when it does not exist. */
    public static long currentVersion(Connection tx, String streamId) throws SQLException {
        try (PreparedStatement select = tx.prepareStatement("SELECT version FROM streams WHERE stream_id = ?")) {
            select.setString(1, streamId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getLong(1) : NO_STREAM;
            }
        }
    }

    public List<StoredEvent> readStream(String streamId) {
        return transactions.inTransaction(tx -> readStream(tx, streamId, 0));
    }

    /** The stream's events with a version above {@code afterVersion}, in version order. */
    public List<StoredEvent> readStream(Connection tx, String streamId, long afterVersion) throws SQLException {
        try (PreparedStatement select = tx.prepareStatement(
                "SELECT " + COLUMNS + " FROM events WHERE stream_id = ? AND version > ? ORDER BY version")) {
            select.setString(1, streamId);
            select.setLong(2, afterVersion);
            return readEvents(select);
        }
    }

    /**
     * The events of the streams whose id starts with {@code streamPrefix} whose JSON payload has
     * {@code field} equal to one of {@code values}, in position order: the history of an object that
     * has no stream of its own (a pod's addresses live in its node's stream).
     */
    public List<StoredEvent> readByPayloadField(String streamPrefix, String field, List<String> values) {
        return transactions.inTransaction(tx -> {
            try (PreparedStatement select = tx.prepareStatement("SELECT " + COLUMNS + " FROM events "
                    + "WHERE starts_with(stream_id, ?) AND content_type = ? "
                    + "AND convert_from(payload, 'UTF8')::jsonb ->> ? = ANY (?) ORDER BY position")) {
                select.setString(1, streamPrefix);
                select.setString(2, NewEvent.JSON);
                select.setString(3, field);
                select.setArray(4, tx.createArrayOf("text", values.toArray()));
                return readEvents(select);
            }
        });
    }

    /** Events of all streams after a position, in position order, for rebuilding read models. */
    public List<StoredEvent> readAll(long afterPosition, int limit) {
        return transactions.inTransaction(tx -> {
            try (PreparedStatement select = tx.prepareStatement(
                    "SELECT " + COLUMNS + " FROM events WHERE position > ? ORDER BY position LIMIT ?")) {
                select.setLong(1, afterPosition);
                select.setInt(2, limit);
                return readEvents(select);
            }
        });
    }

    static List<StoredEvent> readEvents(PreparedStatement select) throws SQLException {
        List<StoredEvent> events = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                events.add(readEvent(rows));
            }
        }
        return events;
    }

    static StoredEvent readEvent(ResultSet row) throws SQLException {
        Timestamp recordedAt = row.getTimestamp("recorded_at");
        return new StoredEvent(
                row.getLong("position"),
                row.getString("stream_id"),
                row.getLong("version"),
                row.getString("event_type"),
                row.getInt("schema_version"),
                row.getString("content_type"),
                row.getBytes("payload"),
                recordedAt.toInstant(),
                new ChangeOrigin(row.getString("principal"), row.getString("request_id")));
    }
}
