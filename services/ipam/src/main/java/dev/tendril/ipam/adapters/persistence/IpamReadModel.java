package dev.tendril.ipam.adapters.persistence;

import dev.tendril.eventstore.OneRoundTrip;
import dev.tendril.ipam.app.IpamQueries.AllocationRow;
import dev.tendril.ipam.app.IpamQueries.NodeRow;
import dev.tendril.ipam.domain.NodeEvent;
import dev.tendril.ipam.domain.NodeEvent.NodeDeregistered;
import dev.tendril.ipam.domain.NodeEvent.NodeRegistered;
import dev.tendril.ipam.domain.NodeEvent.PodIpAllocated;
import dev.tendril.ipam.domain.NodeEvent.PodIpReleased;
import dev.tendril.ipam.domain.NodeEvent.PodIpsConfirmed;
import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The query tables {@code ipam_nodes} and {@code ipam_allocations}: written per event, read by the APIs. */
public final class IpamReadModel {

    public void apply(Connection tx, NodeEvent event) throws SQLException {
        switch (event) {
            case NodeRegistered registered -> upsertNode(tx, registered);
            case PodIpAllocated allocated -> {
                try (PreparedStatement insert = tx.prepareStatement("INSERT INTO ipam_allocations "
                        + "(ip, node, family, owner, uid, allocated_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                    insert.setString(1, allocated.ip().toString());
                    insert.setString(2, allocated.node());
                    insert.setString(3, allocated.ip().family().label());
                    insert.setString(4, allocated.owner());
                    insert.setString(5, allocated.uid());
                    insert.setTimestamp(6, Timestamp.from(allocated.at()));
                    insert.executeUpdate();
                }
            }
            case PodIpReleased released -> {
                try (PreparedStatement delete =
                        tx.prepareStatement("DELETE FROM ipam_allocations WHERE ip = ? AND node = ?")) {
                    delete.setString(1, released.ip().toString());
                    delete.setString(2, released.node());
                    delete.executeUpdate();
                }
            }
            case PodIpsConfirmed confirmed -> {
                try (PreparedStatement update = tx.prepareStatement(
                        "UPDATE ipam_allocations SET confirmed = true WHERE node = ? AND uid = ?")) {
                    update.setString(1, confirmed.node());
                    update.setString(2, confirmed.uid());
                    update.executeUpdate();
                }
            }
            case NodeDeregistered deregistered -> {
                try (PreparedStatement allocations =
                                tx.prepareStatement("DELETE FROM ipam_allocations WHERE node = ?");
                        PreparedStatement node = tx.prepareStatement("DELETE FROM ipam_nodes WHERE name = ?")) {
                    allocations.setString(1, deregistered.node());
                    allocations.executeUpdate();
                    node.setString(1, deregistered.node());
                    node.executeUpdate();
                }
            }
        }
    }

    /**
     * Applies events with a constant number of statements for the allocation rows: the events' net
     * effect per address (deleted if the address was held before them, inserted if held after them;
     * an allocation released within the same events leaves no trace) as one {@code DELETE} and then
     * one {@code INSERT}, both fed by arrays. Registrations become one JDBC batch of upserts.
     * Confirmations and deregistrations read or remove rows of several addresses, so the pending net
     * effect is written before each of them.
     */
    public void applyAll(Connection tx, List<NodeEvent> events) throws SQLException {
        java.util.Map<String, String> deletes = new java.util.LinkedHashMap<>();
        java.util.Map<String, PodIpAllocated> inserts = new java.util.LinkedHashMap<>();
        java.util.Map<String, NodeRegistered> registrations = new java.util.LinkedHashMap<>();
        for (NodeEvent event : events) {
            switch (event) {
                case PodIpAllocated allocated -> inserts.put(allocated.ip().toString(), allocated);
                case PodIpReleased released -> {
                    String ip = released.ip().toString();
                    // Held before these events (not inserted by them): its row must go.
                    if (inserts.remove(ip) == null) {
                        deletes.put(ip, released.node());
                    }
                }
                case NodeRegistered registered -> registrations.put(registered.node(), registered);
                default -> {
                    flush(tx, deletes, inserts, registrations);
                    apply(tx, event);
                }
            }
        }
        flush(tx, deletes, inserts, registrations);
    }

    private static void flush(
            Connection tx,
            java.util.Map<String, String> deletes,
            java.util.Map<String, PodIpAllocated> inserts,
            java.util.Map<String, NodeRegistered> registrations)
            throws SQLException {
        if (!registrations.isEmpty()) {
            try (PreparedStatement upsert = tx.prepareStatement(UPSERT_NODE)) {
                for (NodeRegistered registered : registrations.values()) {
                    bindNode(tx, upsert, registered);
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
            registrations.clear();
        }
        OneRoundTrip.run(tx, allocationParts(tx, deletes, inserts));
        deletes.clear();
        inserts.clear();
    }

    /**
     * The read-model writes of events that only allocate and release addresses (the common case of a
     * group commit), to send in one round trip with the events' append; empty if other events are
     * among them (then use {@link #applyAll}).
     */
    public Optional<List<OneRoundTrip.Part>> allocationParts(Connection tx, List<NodeEvent> events)
            throws SQLException {
        java.util.Map<String, String> deletes = new java.util.LinkedHashMap<>();
        java.util.Map<String, PodIpAllocated> inserts = new java.util.LinkedHashMap<>();
        for (NodeEvent event : events) {
            switch (event) {
                case PodIpAllocated allocated -> inserts.put(allocated.ip().toString(), allocated);
                case PodIpReleased released -> {
                    if (inserts.remove(released.ip().toString()) == null) {
                        deletes.put(released.ip().toString(), released.node());
                    }
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(allocationParts(tx, deletes, inserts));
    }

    private static List<OneRoundTrip.Part> allocationParts(
            Connection tx, java.util.Map<String, String> deletes, java.util.Map<String, PodIpAllocated> inserts)
            throws SQLException {
        List<OneRoundTrip.Part> parts = new ArrayList<>();
        if (!deletes.isEmpty()) {
            Array ips = texts(tx, List.copyOf(deletes.keySet()));
            Array nodes = texts(tx, List.copyOf(deletes.values()));
            parts.add(new OneRoundTrip.Part(
                    "DELETE FROM ipam_allocations a "
                            + "USING unnest(?::text[], ?::text[]) AS d(ip, node) WHERE a.ip = d.ip AND a.node = d.node",
                    (statement, first) -> {
                        statement.setArray(first, ips);
                        statement.setArray(first + 1, nodes);
                        return first + 2;
                    },
                    (rows, count) -> {}));
        }
        if (!inserts.isEmpty()) {
            int n = inserts.size();
            List<String> ips = new ArrayList<>(n);
            List<String> nodes = new ArrayList<>(n);
            List<String> families = new ArrayList<>(n);
            List<String> owners = new ArrayList<>(n);
            List<String> uids = new ArrayList<>(n);
            List<String> times = new ArrayList<>(n);
            for (PodIpAllocated allocated : inserts.values()) {
                ips.add(allocated.ip().toString());
                nodes.add(allocated.node());
                families.add(allocated.ip().family().label());
                owners.add(allocated.owner());
                uids.add(allocated.uid());
                times.add(allocated.at().toString());
            }
            List<Array> columns = List.of(
                    texts(tx, ips),
                    texts(tx, nodes),
                    texts(tx, families),
                    texts(tx, owners),
                    texts(tx, uids),
                    texts(tx, times));
            parts.add(new OneRoundTrip.Part(
                    "INSERT INTO ipam_allocations "
                            + "(ip, node, family, owner, uid, allocated_at) SELECT r.ip, r.node, r.family, r.owner, r.uid, "
                            + "r.at::timestamptz FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) "
                            + "AS r(ip, node, family, owner, uid, at)",
                    (statement, first) -> {
                        for (int c = 0; c < columns.size(); c++) {
                            statement.setArray(first + c, columns.get(c));
                        }
                        return first + columns.size();
                    },
                    (rows, count) -> {}));
        }
        return parts;
    }

    private static final String UPSERT_NODE = "INSERT INTO ipam_nodes "
            + "(name, ips, pod_cidrs, router_ips, cluster, updated_at) VALUES (?, ?, ?, ?, ?, now()) "
            + "ON CONFLICT (name) DO UPDATE SET ips = EXCLUDED.ips, pod_cidrs = EXCLUDED.pod_cidrs, "
            + "router_ips = EXCLUDED.router_ips, cluster = EXCLUDED.cluster, updated_at = now()";

    private static void bindNode(Connection tx, PreparedStatement upsert, NodeRegistered registered)
            throws SQLException {
        upsert.setString(1, registered.node());
        upsert.setArray(
                2, texts(tx, registered.ips().stream().map(IpAddress::toString).toList()));
        upsert.setArray(
                3, texts(tx, registered.podCidrs().stream().map(Cidr::toString).toList()));
        upsert.setArray(
                4,
                texts(
                        tx,
                        registered.routerIps().stream().map(IpAddress::toString).toList()));
        upsert.setString(5, registered.cluster());
    }

    private static void upsertNode(Connection tx, NodeRegistered registered) throws SQLException {
        try (PreparedStatement upsert = tx.prepareStatement(UPSERT_NODE)) {
            bindNode(tx, upsert, registered);
            upsert.executeUpdate();
        }
    }

    private static Array texts(Connection tx, List<String> values) throws SQLException {
        return tx.createArrayOf("text", values.toArray());
    }

    public List<NodeRow> nodes(Connection tx) throws SQLException {
        try (PreparedStatement select =
                tx.prepareStatement("SELECT name, ips, pod_cidrs, router_ips, cluster FROM ipam_nodes ORDER BY name")) {
            return readNodes(select);
        }
    }

    public Optional<NodeRow> node(Connection tx, String name) throws SQLException {
        try (PreparedStatement select = tx.prepareStatement(
                "SELECT name, ips, pod_cidrs, router_ips, cluster FROM ipam_nodes WHERE name = ?")) {
            select.setString(1, name);
            return readNodes(select).stream().findFirst();
        }
    }

    private static List<NodeRow> readNodes(PreparedStatement select) throws SQLException {
        List<NodeRow> rows = new ArrayList<>();
        try (ResultSet row = select.executeQuery()) {
            while (row.next()) {
                rows.add(new NodeRow(
                        row.getString(1),
                        strings(row.getArray(2)),
                        strings(row.getArray(3)),
                        strings(row.getArray(4)),
                        row.getString(5)));
            }
        }
        return rows;
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : List.of((String[]) array.getArray());
    }

    public List<AllocationRow> allocations(Connection tx, String node) throws SQLException {
        try (PreparedStatement select = tx.prepareStatement("SELECT ip, node, family, owner, uid, allocated_at, "
                + "confirmed FROM ipam_allocations WHERE node = ? ORDER BY allocated_at, ip")) {
            select.setString(1, node);
            return readAllocations(select);
        }
    }

    public List<AllocationRow> allAllocations(Connection tx) throws SQLException {
        try (PreparedStatement select = tx.prepareStatement("SELECT ip, node, family, owner, uid, allocated_at, "
                + "confirmed FROM ipam_allocations ORDER BY node, allocated_at, ip")) {
            return readAllocations(select);
        }
    }

    private static List<AllocationRow> readAllocations(PreparedStatement select) throws SQLException {
        List<AllocationRow> rows = new ArrayList<>();
        try (ResultSet row = select.executeQuery()) {
            while (row.next()) {
                rows.add(new AllocationRow(
                        row.getString(1),
                        row.getString(2),
                        row.getString(3),
                        row.getString(4),
                        row.getString(5),
                        row.getTimestamp(6).toInstant(),
                        row.getBoolean(7)));
            }
        }
        return rows;
    }

    /** Nodes holding an unconfirmed allocation made before {@code cutoff}: the ones expiry has work on. */
    public List<String> nodesWithUnconfirmedBefore(Connection tx, Instant cutoff) throws SQLException {
        try (PreparedStatement select = tx.prepareStatement("SELECT DISTINCT node FROM ipam_allocations "
                + "WHERE NOT confirmed AND allocated_at <= ? ORDER BY node")) {
            select.setTimestamp(1, Timestamp.from(cutoff));
            List<String> nodes = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    nodes.add(row.getString(1));
                }
            }
            return nodes;
        }
    }

    /** Allocated pod addresses per family label. */
    public java.util.Map<String, Long> allocatedPerFamily(Connection tx) throws SQLException {
        java.util.Map<String, Long> counts = new java.util.HashMap<>();
        try (PreparedStatement select =
                        tx.prepareStatement("SELECT family, count(*) FROM ipam_allocations GROUP BY family");
                ResultSet row = select.executeQuery()) {
            while (row.next()) {
                counts.put(row.getString(1), row.getLong(2));
            }
        }
        return counts;
    }
}
