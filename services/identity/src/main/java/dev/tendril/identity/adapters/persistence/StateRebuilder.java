package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.eventstore.Transactions;
import dev.tendril.identity.app.IdentityAllocator;
import dev.tendril.identity.app.IdentityRecord;
import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.Namespace;
import dev.tendril.identity.domain.StateSnapshot;
import dev.tendril.k8s.labels.Labels;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds the read model from the event log (what a restarted service with a lost or suspect read
 * model does) and compares the two.
 */
public final class StateRebuilder {

    private static final int PAGE = 5_000;

    private final EventStore store;
    private final Transactions transactions;

    public StateRebuilder(EventStore store) {
        this.store = store;
        this.transactions = store.transactions();
    }

    /** Folds every event of the store, in order, into the state it implies. */
    public StateSnapshot replay() {
        StateSnapshot.Replay replay = new StateSnapshot.Replay();
        long position = 0;
        while (true) {
            List<StoredEvent> page = store.readAll(position, PAGE);
            for (StoredEvent stored : page) {
                if (Codecs.IDENTITY.handles(stored.type())) {
                    replay.replay(Codecs.IDENTITY.decode(stored));
                } else if (Codecs.NAMESPACE.handles(stored.type())) {
                    replay.replay(Codecs.NAMESPACE.decode(stored));
                } else if (Codecs.ENDPOINT.handles(stored.type())) {
                    replay.replay(Codecs.ENDPOINT.decode(stored));
                }
                position = stored.position();
            }
            if (page.size() < PAGE) {
                break;
            }
        }
        return replay.snapshot();
    }

    /** The state the read model tables hold now. */
    public StateSnapshot readModel() {
        return transactions.inTransaction(tx -> {
            Map<Long, Labels> identities = new TreeMap<>();
            Map<Long, Integer> counts = new TreeMap<>();
            Map<String, Namespace> namespaces = new TreeMap<>();
            Map<String, Endpoint> endpoints = new TreeMap<>();
            try (Statement select = tx.createStatement()) {
                try (ResultSet rows = select.executeQuery("SELECT id, labels, endpoint_count FROM identities")) {
                    while (rows.next()) {
                        IdentityRecord record = IdentityTable.record(rows);
                        identities.put(record.id(), record.labels());
                        counts.put(record.id(), record.endpoints());
                    }
                }
                try (ResultSet rows = select.executeQuery("SELECT name, labels FROM namespaces")) {
                    while (rows.next()) {
                        Namespace namespace = EndpointTables.namespace(rows);
                        namespaces.put(namespace.name(), namespace);
                    }
                }
                try (ResultSet rows = select.executeQuery("SELECT document FROM endpoints")) {
                    while (rows.next()) {
                        Endpoint endpoint = Json.read(rows.getString(1), Endpoint.class);
                        endpoints.put(endpoint.key(), endpoint);
                    }
                }
            }
            return new StateSnapshot(identities, namespaces, endpoints, counts);
        });
    }

    /**
     * Replaces the read model with the state replayed from the events, in one transaction. Identities
     * without endpoints start their grace period anew: the rebuild cannot know when they became unused,
     * and erring late never releases an identity early.
     */
    public StateSnapshot rebuild() {
        StateSnapshot state = replay();
        transactions.inTransaction(tx -> {
            try (Statement truncate = tx.createStatement()) {
                truncate.execute("TRUNCATE identities, namespaces, endpoints, endpoint_ips");
            }
            Map<Long, Long> versions = streamVersions(tx);
            try (PreparedStatement insert = tx.prepareStatement(
                    "INSERT INTO identities (id, labels_hash, labels, stream_version, endpoint_count, unused_since) "
                            + "VALUES (?, ?, ?, ?, ?, CASE WHEN ? = 0 THEN now() END)")) {
                for (Map.Entry<Long, Labels> identity : state.identities().entrySet()) {
                    int count = state.endpointCounts().getOrDefault(identity.getKey(), 0);
                    insert.setLong(1, identity.getKey());
                    insert.setBytes(2, IdentityTable.hash(identity.getValue()));
                    insert.setArray(
                            3,
                            tx.createArrayOf(
                                    "text", identity.getValue().strings().toArray()));
                    insert.setLong(4, versions.getOrDefault(identity.getKey(), 0L));
                    insert.setInt(5, count);
                    insert.setInt(6, count);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            try (PreparedStatement insert =
                    tx.prepareStatement("INSERT INTO namespaces (name, labels) VALUES (?, ?::jsonb)")) {
                for (Namespace namespace : state.namespaces().values()) {
                    insert.setString(1, namespace.name());
                    insert.setString(2, Json.writeString(namespace.labels()));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            try (PreparedStatement insert = tx.prepareStatement(
                            "INSERT INTO endpoints (namespace, pod, node, identity, document) VALUES (?, ?, ?, ?, ?::jsonb)");
                    PreparedStatement ip =
                            tx.prepareStatement("INSERT INTO endpoint_ips (ip, namespace, pod) VALUES (?, ?, ?)")) {
                for (Endpoint endpoint : state.endpoints().values()) {
                    insert.setString(1, endpoint.spec().namespace());
                    insert.setString(2, endpoint.spec().pod());
                    insert.setString(3, endpoint.spec().node());
                    insert.setLong(4, endpoint.identity());
                    insert.setString(5, Json.writeString(endpoint));
                    insert.addBatch();
                    for (String address : endpoint.spec().ips().all()) {
                        ip.setString(1, address);
                        ip.setString(2, endpoint.spec().namespace());
                        ip.setString(3, endpoint.spec().pod());
                        ip.addBatch();
                    }
                }
                insert.executeBatch();
                ip.executeBatch();
            }
            return null;
        });
        return state;
    }

    private static Map<Long, Long> streamVersions(Connection tx) throws SQLException {
        Map<Long, Long> versions = new TreeMap<>();
        try (Statement select = tx.createStatement();
                ResultSet rows = select.executeQuery("SELECT stream_id, version FROM streams WHERE stream_id LIKE '"
                        + IdentityAllocator.STREAM_PREFIX + "%'")) {
            while (rows.next()) {
                versions.put(
                        Long.parseLong(rows.getString(1).substring(IdentityAllocator.STREAM_PREFIX.length())),
                        rows.getLong(2));
            }
        }
        return versions;
    }
}
