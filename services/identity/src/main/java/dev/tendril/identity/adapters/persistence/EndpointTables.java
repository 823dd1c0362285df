package dev.tendril.identity.adapters.persistence;

import dev.tendril.identity.app.EndpointRows;
import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.Namespace;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link EndpointRows} on the {@code namespaces}, {@code endpoints} and {@code endpoint_ips} tables;
 * the primary key of {@code endpoint_ips} is what refuses a second holder of an IP.
 */
final class EndpointTables implements EndpointRows {

    private final Connection tx;

    EndpointTables(Connection tx) {
        this.tx = tx;
    }

    @Override
    public List<Namespace> namespaces() {
        return Jdbc.call(() -> {
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

    @Override
    public Optional<Namespace> namespace(String name) {
        return findNamespace(name, "");
    }

    @Override
    public Optional<Namespace> shareNamespace(String name) {
        return findNamespace(name, " FOR SHARE");
    }

    private Optional<Namespace> findNamespace(String name, String lock) {
        return Jdbc.call(() -> {
            try (PreparedStatement select =
                    tx.prepareStatement("SELECT name, labels FROM namespaces WHERE name = ?" + lock)) {
                select.setString(1, name);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(namespace(row)) : Optional.<Namespace>empty();
                }
            }
        });
    }

    @Override
    public void lockNamespace(String name) {
        Jdbc.call(() -> {
            try (PreparedStatement lock = tx.prepareStatement("SELECT 1 FROM namespaces WHERE name = ? FOR UPDATE")) {
                lock.setString(1, name);
                lock.executeQuery().close();
            }
            return null;
        });
    }

    @Override
    public long countEndpoints(String namespace) {
        return Jdbc.call(() -> {
            try (PreparedStatement select = tx.prepareStatement("SELECT count(*) FROM endpoints WHERE namespace = ?")) {
                select.setString(1, namespace);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    return row.getLong(1);
                }
            }
        });
    }

    @Override
    public void putNamespace(Namespace namespace) {
        Jdbc.call(() -> {
            try (PreparedStatement upsert =
                    tx.prepareStatement("INSERT INTO namespaces (name, labels) VALUES (?, ?::jsonb) ON CONFLICT (name) "
                            + "DO UPDATE SET labels = EXCLUDED.labels, updated_at = now()")) {
                upsert.setString(1, namespace.name());
                upsert.setString(2, Json.writeString(namespace.labels()));
                return upsert.executeUpdate();
            }
        });
    }

    @Override
    public void deleteNamespace(String name) {
        Jdbc.call(() -> {
            try (PreparedStatement delete = tx.prepareStatement("DELETE FROM namespaces WHERE name = ?")) {
                delete.setString(1, name);
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public List<EndpointSpec> lockEndpointsOf(String namespace) {
        return Jdbc.call(() -> {
            List<EndpointSpec> result = new ArrayList<>();
            try (PreparedStatement select =
                    tx.prepareStatement("SELECT document FROM endpoints WHERE namespace = ? ORDER BY pod FOR UPDATE")) {
                select.setString(1, namespace);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        result.add(Json.read(rows.getString(1), Endpoint.class).spec());
                    }
                }
            }
            return result;
        });
    }

    @Override
    public boolean claimIp(String ip, String namespace, String pod) {
        return Jdbc.call(() -> {
            try (PreparedStatement insert = tx.prepareStatement(
                    "INSERT INTO endpoint_ips (ip, namespace, pod) VALUES (?, ?, ?) ON CONFLICT (ip) DO NOTHING")) {
                insert.setString(1, ip);
                insert.setString(2, namespace);
                insert.setString(3, pod);
                return insert.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<String> ipHolder(String ip) {
        return Jdbc.call(() -> {
            try (PreparedStatement holder =
                    tx.prepareStatement("SELECT namespace, pod FROM endpoint_ips WHERE ip = ?")) {
                holder.setString(1, ip);
                try (ResultSet row = holder.executeQuery()) {
                    return row.next()
                            ? Optional.of(row.getString(1) + "/" + row.getString(2))
                            : Optional.<String>empty();
                }
            }
        });
    }

    @Override
    public void releaseIp(String ip, String namespace, String pod) {
        Jdbc.call(() -> {
            try (PreparedStatement delete =
                    tx.prepareStatement("DELETE FROM endpoint_ips WHERE ip = ? AND namespace = ? AND pod = ?")) {
                delete.setString(1, ip);
                delete.setString(2, namespace);
                delete.setString(3, pod);
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public void putEndpoint(Endpoint endpoint) {
        EndpointSpec spec = endpoint.spec();
        Jdbc.call(() -> {
            try (PreparedStatement upsert = tx.prepareStatement(
                    "INSERT INTO endpoints (namespace, pod, node, identity, document) VALUES (?, ?, ?, ?, ?::jsonb) "
                            + "ON CONFLICT (namespace, pod) DO UPDATE SET node = EXCLUDED.node, "
                            + "identity = EXCLUDED.identity, document = EXCLUDED.document, updated_at = now()")) {
                upsert.setString(1, spec.namespace());
                upsert.setString(2, spec.pod());
                upsert.setString(3, spec.node());
                upsert.setLong(4, endpoint.identity());
                upsert.setString(5, Json.writeString(endpoint));
                return upsert.executeUpdate();
            }
        });
    }

    /** Removes the endpoint's row and frees its IPs. */
    void deleteEndpoint(String namespace, String pod) {
        Jdbc.call(() -> {
            for (String sql : List.of(
                    "DELETE FROM endpoint_ips WHERE namespace = ? AND pod = ?",
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

    @Override
    public Optional<Endpoint> endpoint(String namespace, String pod) {
        return Jdbc.call(() -> {
            try (PreparedStatement select =
                    tx.prepareStatement("SELECT document FROM endpoints WHERE namespace = ? AND pod = ?")) {
                select.setString(1, namespace);
                select.setString(2, pod);
                try (ResultSet row = select.executeQuery()) {
                    return row.next()
                            ? Optional.of(Json.read(row.getString(1), Endpoint.class))
                            : Optional.<Endpoint>empty();
                }
            }
        });
    }

    @Override
    public List<Endpoint> endpoints(String namespace, String node, Long identity) {
        return Jdbc.call(() -> {
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

    static Namespace namespace(ResultSet row) throws SQLException {
        @SuppressWarnings("unchecked")
        Map<String, String> labels = Json.read(row.getString("labels"), Map.class);
        return new Namespace(row.getString("name"), labels);
    }
}
