package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.Transactions;
import dev.tendril.identity.domain.IdRange;
import dev.tendril.identity.domain.IdentityCommand.AllocateIdentity;
import dev.tendril.identity.domain.IdentityCommand.ReleaseIdentity;
import dev.tendril.identity.domain.IdentityDecider;
import dev.tendril.identity.domain.IdentityEvent;
import dev.tendril.identity.domain.IdentityLabels;
import dev.tendril.identity.domain.IdentityState;
import dev.tendril.identity.domain.Label;
import dev.tendril.identity.domain.Labels;
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
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Allocate-or-reuse of numeric identities, atomic across any number of replicas sharing the database.
 *
 * <p>How: a new identity is claimed by inserting its read-model row, whose {@code labels_hash} and
 * {@code id} are both unique, with {@code ON CONFLICT DO NOTHING}. A concurrent claim of the same label
 * set (in this or another replica) blocks on the uncommitted row and, once it commits, finds that id
 * instead; a concurrent claim of the same id tries another one. The {@code IdentityAllocated} event is
 * appended in that same transaction. Ids are picked at random in the cluster's range (as Cilium does,
 * so a released id is rarely handed out again at once); when random picks keep colliding, a scan finds
 * the lowest free id, and a full range is a clear error.
 *
 * <p>Reuse lookups are answered from an in-memory map key -> id: an id never changes while allocated,
 * and releases (local, or seen in the event log from other replicas) evict it. Cache misses from API
 * callers are grouped by an {@link AllocationBatcher}: one transaction (one commit, one WAL flush)
 * carries every allocation that arrived while the previous one ran.
 */
public final class IdentityAllocator {

    private static final int RANDOM_PICKS = 8;
    private static final int MAX_CLAIMS = 32;

    private final Transactions transactions;
    private final EventStore store;
    private final IdRange range;
    private final String clusterName;
    private final IdentityDecider decider;
    private final Map<String, Long> cache = new ConcurrentHashMap<>();
    private final AllocationBatcher batcher;

    public IdentityAllocator(EventStore store, IdRange range, String clusterName) {
        this(store, range, clusterName, AllocationBatcher.DEFAULT_WORKERS, AllocationBatcher.DEFAULT_MAX_BATCH);
    }

    /**
     * @param workers   transactions allocating new identities at once (each holds a connection while busy)
     * @param maxBatch  most allocations one transaction carries
     */
    public IdentityAllocator(EventStore store, IdRange range, String clusterName, int workers, int maxBatch) {
        this.transactions = store.transactions();
        this.store = store;
        this.range = range;
        this.clusterName = clusterName;
        this.decider = new IdentityDecider(range);
        this.batcher = new AllocationBatcher(this, workers, maxBatch);
    }

    public IdRange range() {
        return range;
    }

    public static String streamId(long id) {
        return "identity/" + id;
    }

    /** Allocate-or-reuse for an API caller: no endpoint uses it yet, so GC may release it after the grace period. */
    public Allocation allocate(Labels labels) {
        if (labels.isEmpty()) {
            throw CommandRejectedException.invalid("labels", "no identity-relevant label: an identity needs at least one");
        }
        String key = labels.identityKey();
        Long cached = cache.get(key);
        if (cached != null) {
            return new Allocation(cached, labels, false);
        }
        Allocation allocation = batcher.submit(labels);
        cache.put(key, allocation.id());
        return allocation;
    }

    /** Allocate-or-reuse of several label sets in one transaction (the batcher's unit of work). */
    List<Allocation> allocateAll(List<Labels> labelSets) {
        return Retrying.inTransaction(transactions, tx -> {
            List<Allocation> result = new ArrayList<>(labelSets.size());
            for (Labels labels : labelSets) {
                result.add(acquire(tx, labels, false));
            }
            return result;
        });
    }

    /** Stops the batcher's workers (tests and benchmarks that create allocators of their own). */
    public void close() {
        batcher.close();
    }

    /**
     * Allocate-or-reuse inside the caller's transaction. With {@code forEndpoint}, the identity's endpoint
     * count goes up in the same statement that finds it, which row-locks it against a concurrent GC.
     */
    Allocation acquire(Connection tx, Labels labels, boolean forEndpoint) throws SQLException {
        byte[] hash = hash(labels);
        if (forEndpoint) {
            // Most registrations reuse: find-and-count in one statement, which also row-locks against GC.
            OptionalLong existing = findByHash(tx, hash, true);
            if (existing.isPresent()) {
                return new Allocation(existing.getAsLong(), labels, false);
            }
        }
        for (int claim = 0; claim < MAX_CLAIMS; claim++) {
            OptionalLong candidate = claim < RANDOM_PICKS ? OptionalLong.of(randomId()) : lowestFree(tx);
            if (candidate.isEmpty()) {
                throw IdentityDecider.exhausted(range, clusterName);
            }
            long id = candidate.getAsLong();
            long version = insert(tx, id, hash, labels, forEndpoint);
            if (version > 0) {
                // The row is ours until commit, so the id's stream is at version - 1 and nobody else appends.
                Streams.decideFrom(tx, store, streamId(id), decider, Codecs.IDENTITY,
                        new AllocateIdentity(id, labels), IdentityState.FREE, version - 1);
                return new Allocation(id, labels, true);
            }
            OptionalLong existing = findByHash(tx, hash, forEndpoint);
            if (existing.isPresent()) {
                return new Allocation(existing.getAsLong(), labels, false);
            }
        }
        throw CommandRejectedException.conflict("labels", "no free identity found in " + range + " after "
                + MAX_CLAIMS + " attempts; the range is nearly exhausted");
    }

    /** An endpoint stopped using {@code id}; the last one starts its grace period. */
    void releaseUse(Connection tx, long id) throws SQLException {
        try (PreparedStatement update = tx.prepareStatement(
                "UPDATE identities SET endpoint_count = endpoint_count - 1, "
                        + "unused_since = CASE WHEN endpoint_count = 1 THEN now() ELSE unused_since END WHERE id = ?")) {
            update.setLong(1, id);
            update.executeUpdate();
        }
    }

    /** Takes one more endpoint use of an identity that is known to be allocated (its row is locked by the update). */
    boolean addUse(Connection tx, long id) throws SQLException {
        try (PreparedStatement update = tx.prepareStatement(
                "UPDATE identities SET endpoint_count = endpoint_count + 1, unused_since = NULL WHERE id = ?")) {
            update.setLong(1, id);
            return update.executeUpdate() == 1;
        }
    }

    /**
     * Releases identities no endpoint has used for {@code grace}, at most {@code batchSize} in one
     * transaction. Rows are locked with SKIP LOCKED: an identity an endpoint is just taking (its row
     * locked by the count update) is skipped, and a row whose count rose is no longer selected, so an
     * identity in use is never released; concurrent collectors in other replicas take disjoint rows.
     * Identities with a {@code cidr:} label (allocated for policies' CIDR peers) are never released.
     */
    public List<IdentityRecord> collectGarbage(Duration grace, int batchSize) {
        List<IdentityRecord> released = Retrying.inTransaction(transactions, tx -> {
            List<IdentityRecord> victims = new ArrayList<>();
            List<Long> versions = new ArrayList<>();
            try (PreparedStatement select = tx.prepareStatement(
                    "SELECT id, labels, stream_version FROM identities WHERE endpoint_count = 0 "
                            + "AND unused_since <= now() - make_interval(secs => ?) "
                            // CIDR identities are allocated for policies, never by endpoints: no endpoint
                            // count ever keeps them, so they are never collected.
                            + "AND NOT EXISTS (SELECT 1 FROM unnest(labels) AS l(label) WHERE l.label LIKE 'cidr:%') "
                            + "ORDER BY unused_since LIMIT ? FOR UPDATE SKIP LOCKED")) {
                select.setDouble(1, grace.toNanos() / 1e9);
                select.setInt(2, batchSize);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        victims.add(new IdentityRecord(rows.getLong(1), labels(rows.getArray(2)), 0));
                        versions.add(rows.getLong(3));
                    }
                }
            }
            if (victims.isEmpty()) {
                return victims;
            }
            Long[] ids = new Long[victims.size()];
            for (int i = 0; i < victims.size(); i++) {
                IdentityRecord victim = victims.get(i);
                Streams.decideFrom(tx, store, streamId(victim.id()), decider, Codecs.IDENTITY,
                        new ReleaseIdentity(victim.id()), new IdentityState(victim.id(), victim.labels(), true),
                        versions.get(i));
                ids[i] = victim.id();
            }
            try (PreparedStatement delete = tx.prepareStatement("DELETE FROM identities WHERE id = ANY (?)")) {
                delete.setArray(1, tx.createArrayOf("bigint", ids));
                delete.executeUpdate();
            }
            return victims;
        });
        released.forEach(r -> forget(r.id(), r.labels()));
        return released;
    }

    /**
     * Releases identities whose {@code cidr:} or {@code reserved:} labels no client may ask for any more
     * ({@link IdentityLabels#storedProblem}): garbage stored before those labels were validated, such as
     * {@code cidr:---/0} or a second {@code reserved:host}. They are released at once, without a grace
     * period (nothing legitimate uses them), unless an endpoint uses one; at most {@code batchSize} per call.
     *
     * @return each released identity with the reason it was invalid
     */
    public Map<IdentityRecord, String> collectInvalid(int batchSize) {
        Map<IdentityRecord, String> released = Retrying.inTransaction(transactions, tx -> {
            Map<IdentityRecord, String> victims = new java.util.LinkedHashMap<>();
            List<Long> versions = new ArrayList<>();
            try (PreparedStatement select = tx.prepareStatement(
                    "SELECT id, labels, stream_version FROM identities WHERE endpoint_count = 0 "
                            + "AND EXISTS (SELECT 1 FROM unnest(labels) AS l(label) "
                            + "WHERE l.label LIKE 'cidr:%' OR l.label LIKE 'reserved:%') "
                            + "ORDER BY id FOR UPDATE SKIP LOCKED")) {
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next() && victims.size() < batchSize) {
                        Labels labels = labels(rows.getArray(2));
                        String problem = IdentityLabels.storedProblem(labels);
                        if (problem != null) {
                            victims.put(new IdentityRecord(rows.getLong(1), labels, 0), problem);
                            versions.add(rows.getLong(3));
                        }
                    }
                }
            }
            if (victims.isEmpty()) {
                return victims;
            }
            Long[] ids = new Long[victims.size()];
            int i = 0;
            for (IdentityRecord victim : victims.keySet()) {
                Streams.decideFrom(tx, store, streamId(victim.id()), decider, Codecs.IDENTITY,
                        new ReleaseIdentity(victim.id()), new IdentityState(victim.id(), victim.labels(), true),
                        versions.get(i));
                ids[i++] = victim.id();
            }
            try (PreparedStatement delete = tx.prepareStatement("DELETE FROM identities WHERE id = ANY (?)")) {
                delete.setArray(1, tx.createArrayOf("bigint", ids));
                delete.executeUpdate();
            }
            return victims;
        });
        released.keySet().forEach(r -> forget(r.id(), r.labels()));
        return released;
    }

    /** Evicts a released identity from the reuse cache (only if the cache still maps its labels to it). */
    public void forget(long id, Labels labels) {
        cache.remove(labels.identityKey(), id);
    }

    public Optional<IdentityRecord> find(long id) {
        return transactions.inTransaction(tx -> {
            try (PreparedStatement select = tx.prepareStatement(
                    "SELECT id, labels, endpoint_count FROM identities WHERE id = ?")) {
                select.setLong(1, id);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(record(row)) : Optional.<IdentityRecord>empty();
                }
            }
        });
    }

    /** Allocated identities holding every label of {@code filter}, by id. */
    public List<IdentityRecord> list(Labels filter, int limit) {
        return transactions.inTransaction(tx -> {
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

    private OptionalLong findByHash(Connection tx, byte[] hash, boolean forEndpoint) throws SQLException {
        String sql = forEndpoint
                ? "UPDATE identities SET endpoint_count = endpoint_count + 1, unused_since = NULL "
                        + "WHERE labels_hash = ? RETURNING id"
                : "SELECT id FROM identities WHERE labels_hash = ?";
        try (PreparedStatement statement = tx.prepareStatement(sql)) {
            statement.setBytes(1, hash);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? OptionalLong.of(row.getLong(1)) : OptionalLong.empty();
            }
        }
    }

    /**
     * Claims {@code id} for the label set; returns the version its stream will have after the
     * allocation event, or 0 when the id or the label set is taken (the insert then did nothing).
     */
    private long insert(Connection tx, long id, byte[] hash, Labels labels, boolean forEndpoint) throws SQLException {
        try (PreparedStatement insert = tx.prepareStatement(
                "INSERT INTO identities (id, labels_hash, labels, stream_version, endpoint_count, unused_since) "
                        + "VALUES (?, ?, ?, 1 + coalesce((SELECT version FROM streams WHERE stream_id = ?), 0), ?, "
                        + "CASE WHEN ? THEN NULL ELSE now() END) ON CONFLICT DO NOTHING RETURNING stream_version")) {
            insert.setLong(1, id);
            insert.setBytes(2, hash);
            insert.setArray(3, tx.createArrayOf("text", labels.strings().toArray()));
            insert.setString(4, streamId(id));
            insert.setInt(5, forEndpoint ? 1 : 0);
            insert.setBoolean(6, forEndpoint);
            try (ResultSet row = insert.executeQuery()) {
                return row.next() ? row.getLong(1) : 0;
            }
        }
    }

    private OptionalLong lowestFree(Connection tx) throws SQLException {
        try (PreparedStatement select = tx.prepareStatement(
                "SELECT s.id FROM generate_series(?::bigint, ?::bigint) AS s(id) "
                        + "WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE i.id = s.id) LIMIT 1")) {
            select.setLong(1, range.min());
            select.setLong(2, range.max());
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? OptionalLong.of(row.getLong(1)) : OptionalLong.empty();
            }
        }
    }

    private long randomId() {
        return ThreadLocalRandom.current().nextLong(range.min(), range.max() + 1);
    }

    static byte[] hash(Labels labels) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(labels.identityKey().getBytes(StandardCharsets.UTF_8));
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
            labels.add(Label.parseStored(text));
        }
        return Labels.of(labels);
    }
}
