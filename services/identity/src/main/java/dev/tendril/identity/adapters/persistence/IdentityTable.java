package dev.tendril.identity.adapters.persistence;

import dev.tendril.identity.app.IdentityRecord;
import dev.tendril.identity.app.IdentityRows;
import dev.tendril.identity.domain.IdRange;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.Labels;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@link IdentityRows} on the {@code identities} table. A label set is found by {@code labels_hash}
 * (SHA-256 of its identity key), unique like {@code id}; a claim is an insert with {@code ON CONFLICT DO
 * NOTHING}, which waits for a concurrent uncommitted insert of the same id or labels and then does nothing.
 */
final class IdentityTable implements IdentityRows {

    private final Connection tx;

    IdentityTable(Connection tx) {
        this.tx = tx;
    }

    @Override
    public OptionalLong idOf(Labels labels) {
        return byHash(labels, "SELECT id FROM identities WHERE labels_hash = ?");
    }

    @Override
    public OptionalLong useIdOf(Labels labels) {
        return byHash(
                labels,
                "UPDATE identities SET endpoint_count = endpoint_count + 1, unused_since = NULL "
                        + "WHERE labels_hash = ? RETURNING id");
    }

    private OptionalLong byHash(Labels labels, String sql) {
        return Jdbc.call(() -> {
            try (PreparedStatement statement = tx.prepareStatement(sql)) {
                statement.setBytes(1, hash(labels));
                try (ResultSet row = statement.executeQuery()) {
                    return row.next() ? OptionalLong.of(row.getLong(1)) : OptionalLong.empty();
                }
            }
        });
    }

    @Override
    public long claim(long id, String streamId, Labels labels, boolean forEndpoint) {
        return Jdbc.call(() -> {
            try (PreparedStatement insert = tx.prepareStatement(
                    "INSERT INTO identities (id, labels_hash, labels, stream_version, endpoint_count, unused_since) "
                            + "VALUES (?, ?, ?, 1 + coalesce((SELECT version FROM streams WHERE stream_id = ?), 0), ?, "
                            + "CASE WHEN ? THEN NULL ELSE now() END) ON CONFLICT DO NOTHING RETURNING stream_version")) {
                insert.setLong(1, id);
                insert.setBytes(2, hash(labels));
                insert.setArray(3, tx.createArrayOf("text", labels.strings().toArray()));
                insert.setString(4, streamId);
                insert.setInt(5, forEndpoint ? 1 : 0);
                insert.setBoolean(6, forEndpoint);
                try (ResultSet row = insert.executeQuery()) {
                    return row.next() ? row.getLong(1) : 0L;
                }
            }
        });
    }

    @Override
    public OptionalLong lowestFree(IdRange range) {
        return Jdbc.call(() -> {
            try (PreparedStatement select =
                    tx.prepareStatement("SELECT s.id FROM generate_series(?::bigint, ?::bigint) AS s(id) "
                            + "WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE i.id = s.id) LIMIT 1")) {
                select.setLong(1, range.min());
                select.setLong(2, range.max());
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? OptionalLong.of(row.getLong(1)) : OptionalLong.empty();
                }
            }
        });
    }

    @Override
    public boolean hasLabels(long id, Labels labels) {
        return Jdbc.call(() -> {
            try (PreparedStatement select = tx.prepareStatement("SELECT labels_hash FROM identities WHERE id = ?")) {
                select.setLong(1, id);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() && java.util.Arrays.equals(row.getBytes(1), hash(labels));
                }
            }
        });
    }

    @Override
    public void releaseUse(long id) {
        Jdbc.call(() -> {
            try (PreparedStatement update = tx.prepareStatement(
                    "UPDATE identities SET endpoint_count = endpoint_count - 1, "
                            + "unused_since = CASE WHEN endpoint_count = 1 THEN now() ELSE unused_since END WHERE id = ?")) {
                update.setLong(1, id);
                return update.executeUpdate();
            }
        });
    }

    @Override
    public List<Unused> lockUnused(Duration grace, int limit) {
        return Jdbc.call(() -> {
            try (PreparedStatement select =
                    tx.prepareStatement("SELECT id, labels, stream_version FROM identities WHERE endpoint_count = 0 "
                            + "AND unused_since <= now() - make_interval(secs => ?) "
                            // CIDR identities are allocated for policies, never by endpoints: no endpoint
                            // count ever keeps them, so they are never collected.
                            + "AND NOT EXISTS (SELECT 1 FROM unnest(labels) AS l(label) WHERE l.label LIKE 'cidr:%') "
                            + "ORDER BY unused_since LIMIT ? FOR UPDATE SKIP LOCKED")) {
                select.setDouble(1, grace.toNanos() / 1e9);
                select.setInt(2, limit);
                return unused(select);
            }
        });
    }

    @Override
    public List<Unused> lockUnusedCidrOrReserved() {
        return Jdbc.call(() -> {
            try (PreparedStatement select =
                    tx.prepareStatement("SELECT id, labels, stream_version FROM identities WHERE endpoint_count = 0 "
                            + "AND EXISTS (SELECT 1 FROM unnest(labels) AS l(label) "
                            + "WHERE l.label LIKE 'cidr:%' OR l.label LIKE 'reserved:%') "
                            + "ORDER BY id FOR UPDATE SKIP LOCKED")) {
                return unused(select);
            }
        });
    }

    private static List<Unused> unused(PreparedStatement select) throws SQLException {
        List<Unused> result = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                result.add(new Unused(rows.getLong(1), labels(rows.getArray(2)), rows.getLong(3)));
            }
        }
        return result;
    }

    @Override
    public void delete(List<Long> ids) {
        Jdbc.call(() -> {
            try (PreparedStatement delete = tx.prepareStatement("DELETE FROM identities WHERE id = ANY (?)")) {
                delete.setArray(1, tx.createArrayOf("bigint", ids.toArray(Long[]::new)));
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public Optional<IdentityRecord> byId(long id) {
        return Jdbc.call(() -> {
            try (PreparedStatement select =
                    tx.prepareStatement("SELECT id, labels, endpoint_count FROM identities WHERE id = ?")) {
                select.setLong(1, id);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(record(row)) : Optional.<IdentityRecord>empty();
                }
            }
        });
    }

    @Override
    public List<IdentityRecord> holdingAll(Labels filter, int limit) {
        return Jdbc.call(() -> {
            try (PreparedStatement select = tx.prepareStatement(
                    "SELECT id, labels, endpoint_count FROM identities WHERE labels @> ? ORDER BY id LIMIT ?")) {
                select.setArray(1, tx.createArrayOf("text", filter.strings().toArray()));
                select.setInt(2, limit);
                List<IdentityRecord> result = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        result.add(record(rows));
                    }
                }
                return result;
            }
        });
    }

    static byte[] hash(Labels labels) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(labels.identityKey().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing", e);
        }
    }

    static IdentityRecord record(ResultSet row) throws SQLException {
        return new IdentityRecord(row.getLong("id"), labels(row.getArray("labels")), row.getInt("endpoint_count"));
    }

    static Labels labels(Array array) throws SQLException {
        String[] texts = (String[]) array.getArray();
        List<Label> labels = new ArrayList<>(texts.length);
        for (String text : texts) {
            labels.add(Label.parse(text));
        }
        return Labels.of(labels);
    }
}
