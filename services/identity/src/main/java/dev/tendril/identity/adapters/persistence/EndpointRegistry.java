package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.Transactions;
import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.EndpointCommand.DeregisterEndpoint;
import dev.tendril.identity.domain.EndpointCommand.RegisterEndpoint;
import dev.tendril.identity.domain.EndpointDecider;
import dev.tendril.identity.domain.EndpointEvent;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.LabelFilter;
import dev.tendril.identity.domain.Labels;
import dev.tendril.identity.domain.Namespace;
import dev.tendril.identity.domain.NamespaceCommand.DeleteNamespace;
import dev.tendril.identity.domain.NamespaceCommand.UpsertNamespace;
import dev.tendril.identity.domain.NamespaceDecider;
import dev.tendril.identity.domain.NamespaceEvent;
import dev.tendril.identity.domain.PodIdentityLabels;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Namespaces and endpoints. Registering an endpoint resolves its identity labels to an identity,
 * claims its IPs and appends the endpoint's event in ONE transaction; a namespace relabel re-resolves
 * every endpoint of the namespace in the transaction that records it.
 */
public final class EndpointRegistry {

    private final Transactions transactions;
    private final EventStore store;
    private final IdentityAllocator allocator;
    private final LabelFilter filter;
    private final String clusterName;
    private final EndpointDecider endpoints = new EndpointDecider();
    private final NamespaceDecider namespaces = new NamespaceDecider();

    public EndpointRegistry(EventStore store, IdentityAllocator allocator, LabelFilter filter, String clusterName) {
        this.transactions = store.transactions();
        this.store = store;
        this.allocator = allocator;
        this.filter = filter;
        this.clusterName = clusterName;
    }

    public static String namespaceStream(String name) {
        return "namespace/" + name;
    }

    public static String endpointStream(String namespace, String pod) {
        return "endpoint/" + namespace + "/" + pod;
    }

    /** The identity labels of an endpoint in a namespace (pod, namespace, service account and cluster labels, filtered). */
    public Labels identityLabels(EndpointSpec spec, Namespace namespace) {
        return PodIdentityLabels.of(namespace.name(), namespace.labels(), spec.labels(), spec.serviceAccount(),
                clusterName, filter);
    }

    // ---- namespaces

    /** Upserts a namespace; when its labels change, its endpoints move to the identities of their new labels. */
    public Namespace upsertNamespace(Namespace namespace) {
        return Retrying.inTransaction(transactions, tx -> {
            Streams.Decided<Optional<Namespace>, NamespaceEvent> decided = Streams.decide(tx, store,
                    namespaceStream(namespace.name()), namespaces, Codecs.NAMESPACE, new UpsertNamespace(namespace));
            if (decided.events().isEmpty()) {
                return namespace;
            }
            try (PreparedStatement upsert = tx.prepareStatement(
                    "INSERT INTO namespaces (name, labels) VALUES (?, ?::jsonb) ON CONFLICT (name) "
                            + "DO UPDATE SET labels = EXCLUDED.labels, updated_at = now()")) {
                upsert.setString(1, namespace.name());
                upsert.setString(2, Json.writeString(namespace.labels()));
                upsert.executeUpdate();
            }
            if (decided.before().isPresent()) {
                for (EndpointSpec spec : endpointsOf(tx, namespace.name())) {
                    register(tx, spec, namespace);
                }
            }
            return namespace;
        });
    }

    public void deleteNamespace(String name) {
        Retrying.inTransaction(transactions, tx -> {
            // Lock the row first: a registration in this namespace (which share-locks it) either
            // committed before and is counted, or waits and then finds the namespace gone (422).
            lockNamespace(tx, name);
            long count = countEndpoints(tx, name);
            Streams.decide(tx, store, namespaceStream(name), namespaces, Codecs.NAMESPACE,
                    new DeleteNamespace(name, count));
            try (PreparedStatement delete = tx.prepareStatement("DELETE FROM namespaces WHERE name = ?")) {
                delete.setString(1, name);
                delete.executeUpdate();
            }
            return null;
        });
    }

    public List<Namespace> namespaces() {
        return transactions.inTransaction(tx -> {
            List<Namespace> result = new ArrayList<>();
            try (PreparedStatement select = tx.prepareStatement("SELECT name, labels FROM namespaces ORDER BY name");
                    ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    result.add(namespace(rows));
                }
            }
            return result;
        });
    }

    public Optional<Namespace> namespace(String name) {
        return transactions.inTransaction(tx -> findNamespace(tx, name, false));
    }

    // ---- endpoints

    /** Registers or updates an endpoint and returns it with its identity. */
    public Endpoint register(EndpointSpec spec) {
        return Retrying.inTransaction(transactions, tx -> {
            Namespace namespace = findNamespace(tx, spec.namespace(), true).orElseThrow(() ->
                    new UnknownReferenceException("namespace", "namespace '" + spec.namespace()
                            + "' does not exist; create it first (PUT /v1/namespaces/" + spec.namespace() + ")"));
            return register(tx, spec, namespace);
        });
    }

    private Endpoint register(Connection tx, EndpointSpec spec, Namespace namespace) throws SQLException {
        String stream = endpointStream(spec.namespace(), spec.pod());
        Streams.Loaded<Optional<Endpoint>> loaded = Streams.load(tx, store, stream, endpoints, Codecs.ENDPOINT);
        Optional<Endpoint> previous = loaded.state();
        Labels labels = identityLabels(spec, namespace);
        long identity;
        boolean acquired;
        if (previous.isPresent() && sameIdentity(tx, previous.get().identity(), labels)) {
            identity = previous.get().identity();
            acquired = false;
        } else {
            identity = allocator.acquire(tx, labels, true).id();
            acquired = true;
        }
        claimIps(tx, spec, previous);
        Streams.Decided<Optional<Endpoint>, EndpointEvent> decided = Streams.decideFrom(tx, store, stream, endpoints,
                Codecs.ENDPOINT, new RegisterEndpoint(spec, identity), previous, loaded.version());
        if (acquired && previous.isPresent()) {
            allocator.releaseUse(tx, previous.get().identity());
        }
        Endpoint endpoint = decided.after().orElseThrow();
        if (!decided.events().isEmpty()) {
            try (PreparedStatement upsert = tx.prepareStatement(
                    "INSERT INTO endpoints (namespace, pod, node, identity, document) VALUES (?, ?, ?, ?, ?::jsonb) "
                            + "ON CONFLICT (namespace, pod) DO UPDATE SET node = EXCLUDED.node, "
                            + "identity = EXCLUDED.identity, document = EXCLUDED.document, updated_at = now()")) {
                upsert.setString(1, spec.namespace());
                upsert.setString(2, spec.pod());
                upsert.setString(3, spec.node());
                upsert.setLong(4, identity);
                upsert.setString(5, Json.writeString(endpoint));
                upsert.executeUpdate();
            }
        }
        return endpoint;
    }

    /** Whether the identity still has exactly these labels (then the endpoint keeps it without a new count). */
    private static boolean sameIdentity(Connection tx, long identity, Labels labels) throws SQLException {
        try (PreparedStatement select = tx.prepareStatement("SELECT labels_hash FROM identities WHERE id = ?")) {
            select.setLong(1, identity);
            try (ResultSet row = select.executeQuery()) {
                return row.next() && java.util.Arrays.equals(row.getBytes(1), IdentityAllocator.hash(labels));
            }
        }
    }

    /** One IP, one live endpoint: the primary key of endpoint_ips refuses a second holder, named in the 409. */
    private static void claimIps(Connection tx, EndpointSpec spec, Optional<Endpoint> previous) throws SQLException {
        Set<String> wanted = new HashSet<>(spec.ips().all());
        Set<String> held = new HashSet<>(previous.map(p -> p.spec().ips().all()).orElse(List.of()));
        for (String ip : spec.ips().all()) {
            if (held.contains(ip)) {
                continue;
            }
            try (PreparedStatement insert = tx.prepareStatement(
                    "INSERT INTO endpoint_ips (ip, namespace, pod) VALUES (?, ?, ?) ON CONFLICT (ip) DO NOTHING")) {
                insert.setString(1, ip);
                insert.setString(2, spec.namespace());
                insert.setString(3, spec.pod());
                if (insert.executeUpdate() == 1) {
                    continue;
                }
            }
            try (PreparedStatement holder = tx.prepareStatement(
                    "SELECT namespace, pod FROM endpoint_ips WHERE ip = ?")) {
                holder.setString(1, ip);
                try (ResultSet row = holder.executeQuery()) {
                    String owner = row.next() ? row.getString(1) + "/" + row.getString(2) : "another endpoint";
                    if (!owner.equals(spec.key())) {
                        throw CommandRejectedException.conflict("ips", "IP " + ip + " is held by endpoint " + owner);
                    }
                }
            }
        }
        for (String ip : held) {
            if (!wanted.contains(ip)) {
                try (PreparedStatement delete = tx.prepareStatement(
                        "DELETE FROM endpoint_ips WHERE ip = ? AND namespace = ? AND pod = ?")) {
                    delete.setString(1, ip);
                    delete.setString(2, spec.namespace());
                    delete.setString(3, spec.pod());
                    delete.executeUpdate();
                }
            }
        }
    }

    public void deregister(String namespace, String pod) {
        Retrying.inTransaction(transactions, tx -> {
            Streams.Decided<Optional<Endpoint>, EndpointEvent> decided = Streams.decide(tx, store,
                    endpointStream(namespace, pod), endpoints, Codecs.ENDPOINT, new DeregisterEndpoint(namespace, pod));
            allocator.releaseUse(tx, decided.before().orElseThrow().identity());
            for (String sql : List.of("DELETE FROM endpoint_ips WHERE namespace = ? AND pod = ?",
                    "DELETE FROM endpoints WHERE namespace = ? AND pod = ?")) {
                try (PreparedStatement delete = tx.prepareStatement(sql)) {
                    delete.setString(1, namespace);
                    delete.setString(2, pod);
                    delete.executeUpdate();
                }
            }
            return null;
        });
    }

    public Optional<Endpoint> endpoint(String namespace, String pod) {
        return transactions.inTransaction(tx -> {
            try (PreparedStatement select = tx.prepareStatement(
                    "SELECT document FROM endpoints WHERE namespace = ? AND pod = ?")) {
                select.setString(1, namespace);
                select.setString(2, pod);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(Json.read(row.getString(1), Endpoint.class)) : Optional.<Endpoint>empty();
                }
            }
        });
    }

    /** Endpoints matching every filter given (null = any), by namespace and pod. */
    public List<Endpoint> endpoints(String namespace, String node, Long identity) {
        return transactions.inTransaction(tx -> {
            try (PreparedStatement select = tx.prepareStatement("SELECT document FROM endpoints "
                    + "WHERE (?::text IS NULL OR namespace = ?) AND (?::text IS NULL OR node = ?) "
                    + "AND (?::bigint IS NULL OR identity = ?) ORDER BY namespace, pod")) {
                select.setString(1, namespace);
                select.setString(2, namespace);
                select.setString(3, node);
                select.setString(4, node);
                if (identity == null) {
                    select.setNull(5, Types.BIGINT);
                    select.setNull(6, Types.BIGINT);
                } else {
                    select.setLong(5, identity);
                    select.setLong(6, identity);
                }
                List<Endpoint> result = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        result.add(Json.read(rows.getString(1), Endpoint.class));
                    }
                }
                return result;
            }
        });
    }

    private static Namespace namespace(ResultSet row) throws SQLException {
        @SuppressWarnings("unchecked")
        Map<String, String> labels = Json.read(row.getString("labels"), Map.class);
        return new Namespace(row.getString("name"), labels);
    }

    private static Optional<Namespace> findNamespace(Connection tx, String name, boolean lock) throws SQLException {
        try (PreparedStatement select = tx.prepareStatement(
                "SELECT name, labels FROM namespaces WHERE name = ?" + (lock ? " FOR SHARE" : ""))) {
            select.setString(1, name);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(namespace(row)) : Optional.empty();
            }
        }
    }

    private static void lockNamespace(Connection tx, String name) throws SQLException {
        try (PreparedStatement lock = tx.prepareStatement("SELECT 1 FROM namespaces WHERE name = ? FOR UPDATE")) {
            lock.setString(1, name);
            lock.executeQuery().close();
        }
    }

    private static long countEndpoints(Connection tx, String namespace) throws SQLException {
        try (PreparedStatement select = tx.prepareStatement("SELECT count(*) FROM endpoints WHERE namespace = ?")) {
            select.setString(1, namespace);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    private static List<EndpointSpec> endpointsOf(Connection tx, String namespace) throws SQLException {
        List<EndpointSpec> result = new ArrayList<>();
        try (PreparedStatement select = tx.prepareStatement(
                "SELECT document FROM endpoints WHERE namespace = ? ORDER BY pod FOR UPDATE")) {
            select.setString(1, namespace);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    result.add(Json.read(rows.getString(1), Endpoint.class).spec());
                }
            }
        }
        return result;
    }
}
