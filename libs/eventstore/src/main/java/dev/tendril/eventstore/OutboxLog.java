package dev.tendril.eventstore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The outbox relay's view of the event table, over the one database session that holds the relay's
 * advisory lock: the cursor, the settled events after it, and the lag behind it. Closing the session
 * gives the lock up, so a standby replica can take over.
 */
final class OutboxLog implements AutoCloseable {

    /** Where publishing stands: the last (transaction id, position) sent and acknowledged. */
    record Cursor(long txId, long position) {
        static final Cursor START = new Cursor(0, 0);
    }

    /** An event with the transaction that wrote it. */
    record Row(long txId, StoredEvent event) {
        Cursor cursor() {
            return new Cursor(txId, event.position());
        }
    }

    /** Committed events not yet published, and when the oldest of them was recorded (null if none). */
    record Lag(long events, Instant oldestRecordedAt) {}

    private static final String COLUMNS = "SELECT tx_id::text AS tx, position, stream_id, version, event_type, "
            + "schema_version, content_type, payload, recorded_at, principal, request_id FROM events ";

    private final Connection connection;
    private final String relay;

    private OutboxLog(Connection connection, String relay) {
        this.connection = connection;
        this.relay = relay;
    }

    /** The log of relay {@code relay} if this session takes its lock; empty while another replica holds it. */
    static java.util.Optional<OutboxLog> lock(DataSource dataSource, String relay) throws SQLException {
        Connection candidate = dataSource.getConnection();
        candidate.setAutoCommit(true);
        try (PreparedStatement lock = candidate.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
            lock.setString(1, "tendril-outbox-relay/" + relay);
            try (ResultSet row = lock.executeQuery()) {
                row.next();
                if (!row.getBoolean(1)) {
                    candidate.close();
                    return java.util.Optional.empty();
                }
            }
        } catch (SQLException e) {
            candidate.close();
            throw e;
        }
        return java.util.Optional.of(new OutboxLog(candidate, relay));
    }

    /** The session, for the state projections that read the read model while events are published. */
    Connection connection() {
        return connection;
    }

    boolean isOpen() throws SQLException {
        return !connection.isClosed();
    }

    Cursor loadCursor() throws SQLException {
        try (PreparedStatement select =
                connection.prepareStatement("SELECT tx_id::text, position FROM outbox_cursors WHERE relay = ?")) {
            select.setString(1, relay);
            try (ResultSet row = select.executeQuery()) {
                if (row.next()) {
                    return new Cursor(Long.parseUnsignedLong(row.getString(1)), row.getLong(2));
                }
            }
        }
        return Cursor.START;
    }

    void saveCursor(Cursor next) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement(
                "INSERT INTO outbox_cursors (relay, tx_id, position, updated_at) VALUES (?, ?::xid8, ?, now()) "
                        + "ON CONFLICT (relay) DO UPDATE SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position, "
                        + "updated_at = EXCLUDED.updated_at")) {
            upsert.setString(1, relay);
            upsert.setString(2, Long.toUnsignedString(next.txId()));
            upsert.setLong(3, next.position());
            upsert.executeUpdate();
        }
    }

    /**
     * Up to {@code limit} events after {@code after}, in (transaction id, position) order, of
     * transactions older than every one still running: a transaction that took a lower position but
     * commits later is still ahead of the cursor when it becomes visible.
     */
    List<Row> settledAfter(Cursor after, int limit) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(COLUMNS
                + "WHERE (tx_id, position) > (?::xid8, ?) AND tx_id < pg_snapshot_xmin(pg_current_snapshot()) "
                + "ORDER BY tx_id, position LIMIT ?")) {
            select.setString(1, Long.toUnsignedString(after.txId()));
            select.setLong(2, after.position());
            select.setInt(3, limit);
            return rows(select);
        }
    }

    /** Up to {@code limit} events after {@code after} and at most {@code upTo}, in publishing order. */
    List<Row> between(Cursor after, Cursor upTo, int limit) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(COLUMNS
                + "WHERE (tx_id, position) > (?::xid8, ?) AND (tx_id, position) <= (?::xid8, ?) "
                + "ORDER BY tx_id, position LIMIT ?")) {
            select.setString(1, Long.toUnsignedString(after.txId()));
            select.setLong(2, after.position());
            select.setString(3, Long.toUnsignedString(upTo.txId()));
            select.setLong(4, upTo.position());
            select.setInt(5, limit);
            return rows(select);
        }
    }

    Lag lagAfter(Cursor cursor) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT count(*), min(recorded_at) FROM events WHERE (tx_id, position) > (?::xid8, ?)")) {
            select.setString(1, Long.toUnsignedString(cursor.txId()));
            select.setLong(2, cursor.position());
            try (ResultSet row = select.executeQuery()) {
                row.next();
                java.sql.Timestamp oldest = row.getTimestamp(2);
                return new Lag(row.getLong(1), oldest == null ? null : oldest.toInstant());
            }
        }
    }

    /** Gives the lock up and closes the session; quiet, since the session may already be broken. */
    @Override
    public void close() {
        try (Statement unlock = connection.createStatement()) {
            unlock.execute("SELECT pg_advisory_unlock_all()");
        } catch (SQLException ignored) {
            // the lock goes with the session anyway
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // already broken
        }
    }

    static long millisSince(Instant oldest, Instant now) {
        return oldest == null ? 0 : Math.max(0, Duration.between(oldest, now).toMillis());
    }

    private static List<Row> rows(PreparedStatement select) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (ResultSet result = select.executeQuery()) {
            while (result.next()) {
                rows.add(new Row(Long.parseUnsignedLong(result.getString("tx")), EventStore.readEvent(result)));
            }
        }
        return rows;
    }
}
