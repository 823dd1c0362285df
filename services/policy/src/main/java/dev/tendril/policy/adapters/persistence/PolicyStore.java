package dev.tendril.policy.adapters.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.policy.adapters.persistence.PolicyEvent.PolicyApplied;
import dev.tendril.policy.adapters.persistence.PolicyEvent.PolicyDeleted;
import dev.tendril.policy.adapters.persistence.SubjectEvent.PolicyMapOverflowed;
import dev.tendril.policy.domain.PolicyRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Policies as events: {@code PolicyApplied}/{@code PolicyDeleted} in stream
 * {@code policy/<Kind>/<namespace>/<name>}, the {@code policies} read model and the service-wide policy
 * revision, all in one transaction per request. The state is rebuilt from the events at start.
 *
 * <p>Several replicas write to one store. Every write holds the {@code policy_revision} row lock from
 * before its first insert until it commits ({@link #write}), so policy events become visible in position
 * order: a replica that read the log up to a position has seen every policy event below it, and can
 * follow the other replicas' writes by position ({@link #after}) without a gap.
 */
public final class PolicyStore {

    private static final int PAGE = 5_000;

    /** A policy as last applied: its manifest (JSON) and the revision that applied it. */
    public record StoredPolicy(PolicyRef ref, JsonNode manifest, long revision) {
    }

    /** One change of a request: a manifest to store, or {@code null} to delete the policy. */
    public record Change(PolicyRef ref, JsonNode manifest) {
        public static Change apply(PolicyRef ref, JsonNode manifest) {
            return new Change(ref, java.util.Objects.requireNonNull(manifest, "manifest"));
        }

        public static Change delete(PolicyRef ref) {
            return new Change(ref, null);
        }
    }

    /** A policy event as logged, with its position in the store. */
    public record Logged(long position, PolicyEvent event) {
    }

    /**
     * What the events say: every live policy, the policy revision of the last change and the position of
     * the last event read (where following the log goes on).
     */
    public record Snapshot(SortedMap<PolicyRef, StoredPolicy> policies, long revision, long position) {
        public Snapshot {
            policies = Collections.unmodifiableSortedMap(new TreeMap<>(policies));
        }
    }

    private final EventStore store;

    public PolicyStore(EventStore store) {
        this.store = store;
    }

    public static String streamId(PolicyRef ref) {
        return "policy/" + ref.kind() + "/" + ref.namespace() + "/" + ref.name();
    }

    public static String subjectStreamId(long subject) {
        return "subject/" + subject;
    }

    /** A write in progress: the revision row is locked, so no other replica commits a policy meanwhile. */
    public interface Locked {
        /** The policy events committed after {@code position}: what this replica has not seen yet. */
        List<Logged> after(long position) throws SQLException;

        /**
         * Appends the changes of one request under a new policy revision (in this transaction).
         *
         * @return the new revision and the position of the last event appended
         */
        Committed commit(List<Change> changes) throws SQLException;
    }

    /** A write as appended: the request's revision and the position of its last event. */
    public record Committed(long revision, long position) {
    }

    /** What a write does with the lock held; may throw to roll everything back. */
    @FunctionalInterface
    public interface Write<T> {
        T run(Locked locked) throws SQLException;
    }

    /**
     * Runs one request's write in one transaction holding the {@code policy_revision} row lock: the writer
     * first catches up with what other replicas committed ({@link Locked#after}), then decides and commits.
     * Writers of every replica are serialized by the lock, so each decides on the latest state.
     */
    public <T> T write(Write<T> write) {
        return store.transactions().inTransaction(tx -> {
            try (PreparedStatement lock = tx.prepareStatement(
                    "SELECT revision FROM policy_revision WHERE id = 1 FOR UPDATE");
                    ResultSet row = lock.executeQuery()) {
                if (!row.next()) {
                    throw new SQLException("policy_revision has no row");
                }
            }
            return write.run(new Locked() {
                @Override
                public List<Logged> after(long position) throws SQLException {
                    return readAfter(tx, position, Integer.MAX_VALUE);
                }

                @Override
                public Committed commit(List<Change> changes) throws SQLException {
                    return append(tx, changes);
                }
            });
        });
    }

    /**
     * Stores the changes of one request atomically under a new policy revision.
     *
     * @return the new revision
     */
    public long commit(List<Change> changes) {
        return write(locked -> locked.commit(changes)).revision();
    }

    private Committed append(Connection tx, List<Change> changes) throws SQLException {
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("nothing to commit");
        }
        long revision = nextRevision(tx);
        long position = 0;
        for (Change change : changes) {
            PolicyRef ref = change.ref();
            PolicyEvent event = change.manifest() == null
                    ? new PolicyDeleted(ref.kind(), ref.namespace(), ref.name(), revision)
                    : new PolicyApplied(ref.kind(), ref.namespace(), ref.name(), change.manifest(), revision);
            String stream = streamId(ref);
            List<StoredEvent> appended = store.append(tx, stream, EventStore.currentVersion(tx, stream),
                    List.of(Codecs.POLICY.encode(event)));
            position = Math.max(position, appended.get(appended.size() - 1).position());
            project(tx, ref, change.manifest(), revision);
        }
        return new Committed(revision, position);
    }

    /** The policy events committed after {@code position}, at most {@code limit}, in position order. */
    public List<Logged> after(long position, int limit) {
        return store.transactions().inTransaction(tx -> readAfter(tx, position, limit));
    }

    private List<Logged> readAfter(Connection tx, long position, int limit) throws SQLException {
        List<Logged> out = new ArrayList<>();
        try (PreparedStatement select = tx.prepareStatement("SELECT position, stream_id, version, event_type, "
                + "schema_version, content_type, payload, recorded_at FROM events "
                + "WHERE position > ? AND stream_id LIKE 'policy/%' ORDER BY position LIMIT ?")) {
            select.setLong(1, position);
            select.setInt(2, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    StoredEvent stored = new StoredEvent(rows.getLong(1), rows.getString(2), rows.getLong(3),
                            rows.getString(4), rows.getInt(5), rows.getString(6), rows.getBytes(7),
                            rows.getTimestamp(8).toInstant());
                    if (Codecs.POLICY.handles(stored.type())) {
                        out.add(new Logged(stored.position(), Codecs.POLICY.decode(stored)));
                    }
                }
            }
        }
        return out;
    }

    /** Appends {@code PolicyMapOverflowed} to the subject's stream. */
    public void overflowed(PolicyMapOverflowed event) {
        store.transactions().inTransaction(tx -> {
            String stream = subjectStreamId(event.subject());
            store.append(tx, stream, EventStore.currentVersion(tx, stream), List.of(Codecs.SUBJECT.encode(event)));
            return null;
        });
    }

    /** The subject's stream, decoded. */
    public List<SubjectEvent> subjectEvents(long subject) {
        return store.readStream(subjectStreamId(subject)).stream().map(Codecs.SUBJECT::decode).toList();
    }

    /** Replays every policy event of the store. */
    public Snapshot rebuild() {
        Map<PolicyRef, StoredPolicy> live = new TreeMap<>();
        long revision = 0;
        long after = 0;
        long lastPolicy = 0;
        while (true) {
            List<StoredEvent> page = store.readAll(after, PAGE);
            for (StoredEvent stored : page) {
                after = stored.position();
                if (!stored.streamId().startsWith("policy/") || !Codecs.POLICY.handles(stored.type())) {
                    continue;
                }
                PolicyEvent event = Codecs.POLICY.decode(stored);
                lastPolicy = stored.position();
                revision = Math.max(revision, event.revision());
                switch (event) {
                    case PolicyApplied a -> live.put(a.ref(), new StoredPolicy(a.ref(), a.manifest(), a.revision()));
                    case PolicyDeleted d -> live.remove(d.ref());
                }
            }
            if (page.size() < PAGE) {
                return new Snapshot(new TreeMap<>(live), Math.max(revision, currentRevision()), lastPolicy);
            }
        }
    }

    /** The read model, for comparing with a rebuild. */
    public SortedMap<PolicyRef, StoredPolicy> readModel() {
        return store.transactions().inTransaction(tx -> {
            SortedMap<PolicyRef, StoredPolicy> out = new TreeMap<>();
            try (PreparedStatement select = tx.prepareStatement(
                    "SELECT kind, namespace, name, revision, manifest::text FROM policies");
                    ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    PolicyRef ref = new PolicyRef(rows.getString(1), rows.getString(2), rows.getString(3));
                    out.put(ref, new StoredPolicy(ref, PolicyJson.tree(rows.getString(5)), rows.getLong(4)));
                }
            }
            return out;
        });
    }

    private long currentRevision() {
        return store.transactions().inTransaction(tx -> {
            try (PreparedStatement select = tx.prepareStatement("SELECT revision FROM policy_revision WHERE id = 1");
                    ResultSet row = select.executeQuery()) {
                return row.next() ? row.getLong(1) : 0L;
            }
        });
    }

    private static long nextRevision(Connection tx) throws SQLException {
        try (PreparedStatement update = tx.prepareStatement(
                "UPDATE policy_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision");
                ResultSet row = update.executeQuery()) {
            if (!row.next()) {
                throw new SQLException("policy_revision has no row");
            }
            return row.getLong(1);
        }
    }

    private static void project(Connection tx, PolicyRef ref, JsonNode manifest, long revision) throws SQLException {
        if (manifest == null) {
            try (PreparedStatement delete = tx.prepareStatement(
                    "DELETE FROM policies WHERE kind = ? AND namespace = ? AND name = ?")) {
                delete.setString(1, ref.kind());
                delete.setString(2, ref.namespace());
                delete.setString(3, ref.name());
                delete.executeUpdate();
            }
            return;
        }
        try (PreparedStatement upsert = tx.prepareStatement(
                "INSERT INTO policies (kind, namespace, name, revision, manifest) VALUES (?, ?, ?, ?, ?::jsonb) "
                        + "ON CONFLICT (kind, namespace, name) DO UPDATE SET revision = EXCLUDED.revision, "
                        + "manifest = EXCLUDED.manifest, updated_at = now()")) {
            upsert.setString(1, ref.kind());
            upsert.setString(2, ref.namespace());
            upsert.setString(3, ref.name());
            upsert.setLong(4, revision);
            upsert.setString(5, PolicyJson.writeString(manifest));
            upsert.executeUpdate();
        }
    }

    /** For tests: every event of the policy streams, in position order. */
    public List<PolicyEvent> policyEvents(PolicyRef ref) {
        List<PolicyEvent> out = new ArrayList<>();
        store.readStream(streamId(ref)).forEach(e -> out.add(Codecs.POLICY.decode(e)));
        return out;
    }
}
