package dev.tendril.eventstore;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends to many streams at once with the contract of {@link EventStore#append} per stream (the
 * stream must be at its expected version; the stream row moves to the new version under the same
 * transaction-id guard; events get consecutive versions in order), but in a constant number of
 * statements: one {@code UPDATE} for the existing streams, one {@code INSERT} for new ones and one
 * {@code INSERT} for every event, each fed by arrays, sent in one round trip ({@link OneRoundTrip}). A
 * group commit touching forty node streams thus costs three statements instead of eighty, and
 * PostgreSQL runs one executor per statement instead of one per row: its CPU per statement and per
 * round trip is what the IPAM benchmark's two vCPUs spend most of their time on.
 */
public final class StreamAppends {

    /** The events to append to one stream, which must be at {@code expectedVersion}. */
    public record Append(String streamId, long expectedVersion, List<NewEvent> events) {}

    private StreamAppends() {}

    /**
     * Appends all of them in the caller's transaction; a stale expected version throws {@link
     * ConcurrencyException}. Events that carry no origin of their own are stamped with {@code origin}.
     */
    public static void appendAll(Connection tx, List<Append> appends, ChangeOrigin origin) throws SQLException {
        OneRoundTrip.run(tx, parts(tx, appends, origin));
    }

    /** The statements of {@link #appendAll}, to send in one round trip with others that follow them. */
    public static List<OneRoundTrip.Part> parts(Connection tx, List<Append> appends, ChangeOrigin origin)
            throws SQLException {
        List<Append> existing = new ArrayList<>();
        List<Append> created = new ArrayList<>();
        List<Append> nonEmpty = new ArrayList<>();
        int events = 0;
        for (Append append : appends) {
            if (append.events().isEmpty()) {
                continue;
            }
            (append.expectedVersion() == EventStore.NO_STREAM ? created : existing).add(append);
            nonEmpty.add(append);
            events += append.events().size();
        }
        List<OneRoundTrip.Part> parts = new ArrayList<>();
        if (events == 0) {
            return parts;
        }
        if (!existing.isEmpty()) {
            parts.add(advance(tx, existing));
        }
        if (!created.isEmpty()) {
            parts.add(create(tx, created));
        }
        parts.add(insert(tx, nonEmpty, events, origin));
        return parts;
    }

    private static OneRoundTrip.Part advance(Connection tx, List<Append> appends) throws SQLException {
        int n = appends.size();
        String[] ids = new String[n];
        Long[] expected = new Long[n];
        Long[] next = new Long[n];
        for (int i = 0; i < n; i++) {
            Append append = appends.get(i);
            ids[i] = append.streamId();
            expected[i] = append.expectedVersion();
            next[i] = append.expectedVersion() + append.events().size();
        }
        var idArray = tx.createArrayOf("text", ids);
        var expectedArray = tx.createArrayOf("bigint", expected);
        var nextArray = tx.createArrayOf("bigint", next);
        return new OneRoundTrip.Part(
                "UPDATE streams s SET version = v.next, "
                        + "last_tx_id = pg_current_xact_id() FROM unnest(?::text[], ?::bigint[], ?::bigint[]) "
                        + "AS v(stream_id, expected, next) WHERE s.stream_id = v.stream_id AND s.version = v.expected "
                        + "AND s.last_tx_id <= pg_current_xact_id() RETURNING s.stream_id",
                (statement, first) -> {
                    statement.setArray(first, idArray);
                    statement.setArray(first + 1, expectedArray);
                    statement.setArray(first + 2, nextArray);
                    return first + 3;
                },
                (rows, count) -> check(tx, appends, rows));
    }

    private static OneRoundTrip.Part create(Connection tx, List<Append> appends) throws SQLException {
        int n = appends.size();
        String[] ids = new String[n];
        Long[] next = new Long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = appends.get(i).streamId();
            next[i] = (long) appends.get(i).events().size();
        }
        var idArray = tx.createArrayOf("text", ids);
        var nextArray = tx.createArrayOf("bigint", next);
        return new OneRoundTrip.Part(
                "INSERT INTO streams (stream_id, version, last_tx_id) "
                        + "SELECT v.stream_id, v.next, pg_current_xact_id() FROM unnest(?::text[], ?::bigint[]) "
                        + "AS v(stream_id, next) ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id",
                (statement, first) -> {
                    statement.setArray(first, idArray);
                    statement.setArray(first + 1, nextArray);
                    return first + 2;
                },
                (rows, count) -> check(tx, appends, rows));
    }

    /** Throws for the first stream the statement did not move (wrong version, or the transaction-id guard). */
    private static void check(Connection tx, List<Append> appends, java.sql.ResultSet rows) throws SQLException {
        java.util.Set<String> moved = new java.util.HashSet<>();
        while (rows.next()) {
            moved.add(rows.getString(1));
        }
        for (Append append : appends) {
            if (!moved.contains(append.streamId())) {
                throw new ConcurrencyException(
                        append.streamId(), append.expectedVersion(), EventStore.currentVersion(tx, append.streamId()));
            }
        }
    }

    private static OneRoundTrip.Part insert(Connection tx, List<Append> appends, int count, ChangeOrigin current)
            throws SQLException {
        String[] ids = new String[count];
        Long[] versions = new Long[count];
        String[] types = new String[count];
        Integer[] schemaVersions = new Integer[count];
        String[] contentTypes = new String[count];
        byte[][] payloads = new byte[count][];
        String[] principals = new String[count];
        String[] requestIds = new String[count];
        int i = 0;
        for (Append append : appends) {
            long version = append.expectedVersion();
            for (NewEvent event : append.events()) {
                ids[i] = append.streamId();
                versions[i] = ++version;
                types[i] = event.type();
                schemaVersions[i] = event.schemaVersion();
                contentTypes[i] = event.contentType();
                payloads[i] = event.payload();
                ChangeOrigin origin = EventStore.originOf(event, current);
                principals[i] = origin.principal();
                requestIds[i] = origin.requestId();
                i++;
            }
        }
        var arrays = List.of(
                tx.createArrayOf("text", ids),
                tx.createArrayOf("bigint", versions),
                tx.createArrayOf("text", types),
                tx.createArrayOf("int4", schemaVersions),
                tx.createArrayOf("text", contentTypes),
                tx.createArrayOf("bytea", payloads),
                tx.createArrayOf("text", principals),
                tx.createArrayOf("text", requestIds));
        // Only into streams this transaction has just moved (so a stale stream's events collide with
        // nothing: the check of the statement before reports it). WITH ORDINALITY and ORDER BY:
        // positions are handed out in array order, so within a stream they ascend with the version,
        // as EventStore's own appends guarantee.
        return new OneRoundTrip.Part(
                "INSERT INTO events "
                        + "(stream_id, version, event_type, schema_version, content_type, payload, principal, request_id) "
                        + "SELECT e.stream_id, e.version, e.event_type, e.schema_version, e.content_type, e.payload, "
                        + "e.principal, e.request_id FROM unnest(?::text[], ?::bigint[], ?::text[], ?::int[], ?::text[], "
                        + "?::bytea[], ?::text[], ?::text[]) WITH ORDINALITY "
                        + "AS e(stream_id, version, event_type, schema_version, content_type, payload, principal, "
                        + "request_id, n) "
                        + "JOIN streams s ON s.stream_id = e.stream_id AND s.last_tx_id = pg_current_xact_id() "
                        + "ORDER BY e.n",
                (statement, first) -> {
                    for (int a = 0; a < arrays.size(); a++) {
                        statement.setArray(first + a, arrays.get(a));
                    }
                    return first + arrays.size();
                },
                (rows, inserted) -> {
                    if (inserted != count) {
                        throw new ConcurrencyException(
                                appends.getFirst().streamId(),
                                appends.getFirst().expectedVersion(),
                                EventStore.currentVersion(tx, appends.getFirst().streamId()));
                    }
                });
    }
}
