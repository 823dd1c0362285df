package dev.tendril.policy.adapters.persistence;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.EventStoreException;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.policy.app.PolicyRepository;
import dev.tendril.policy.domain.Manifest;
import dev.tendril.policy.domain.PolicyDecider;
import dev.tendril.policy.domain.PolicyEvent;
import dev.tendril.policy.domain.PolicyEvent.PolicyApplied;
import dev.tendril.policy.domain.PolicyEvent.PolicyDeleted;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.PolicyState;
import dev.tendril.policy.domain.StoredPolicy;
import dev.tendril.policy.domain.SubjectEvent;
import dev.tendril.policy.domain.SubjectEvent.PolicyMapOverflowed;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Policies as events in the service's event store: {@code PolicyApplied}/{@code PolicyDeleted} in stream
 * {@code policy/<Kind>/<namespace>/<name>}, the {@code policies} read model and the service-wide policy
 * revision (table {@code policy_revision}), all in one transaction per request. The state is rebuilt from
 * the events at start.
 *
 * <p>Every write holds the {@code policy_revision} row lock ({@code SELECT ... FOR UPDATE}) from before its
 * first insert until it commits ({@link #write}), so policy events become visible in position order: a
 * replica that read the log up to a position has seen every policy event below it, and can follow the
 * other replicas' writes by position ({@link #after}) without a gap.
 */
public final class PolicyStore implements PolicyRepository {

    private static final int PAGE = 5_000;

    private final EventStore store;
    private final PolicyDecider decider = new PolicyDecider();

    public PolicyStore(EventStore store) {
        this.store = store;
    }

    public static String streamId(PolicyRef ref) {
        return "policy/" + ref.kind() + "/" + ref.namespace() + "/" + ref.name();
    }

    public static String subjectStreamId(long subject) {
        return "subject/" + subject;
    }

    /** Carries a SQLException through the application's work, which sees no JDBC. */
    private static final class SqlFailure extends RuntimeException {
        SqlFailure(SQLException cause) {
            super(cause);
        }
    }

    @Override
    public <T> T write(Function<Locked, T> work) {
        try {
            return store.transactions().inTransaction(tx -> {
                long locked;
                try (PreparedStatement lock =
                                tx.prepareStatement("SELECT revision FROM policy_revision WHERE id = 1 FOR UPDATE");
                        ResultSet row = lock.executeQuery()) {
                    if (!row.next()) {
                        throw new SQLException("policy_revision has no row");
                    }
                    locked = row.getLong(1);
                }
                return work.apply(new Locked() {
                    @Override
                    public long revision() {
                        return locked;
                    }

                    @Override
                    public List<Logged> after(long position) {
                        try {
                            return readAfter(tx, position, Integer.MAX_VALUE);
                        } catch (SQLException e) {
                            throw new SqlFailure(e);
                        }
                    }

                    @Override
                    public Committed commit(List<PolicyEvent> events) {
                        try {
                            return append(tx, locked + 1, events);
                        } catch (SQLException e) {
                            throw new SqlFailure(e);
                        }
                    }
                });
            });
        } catch (SqlFailure e) {
            SQLException cause = (SQLException) e.getCause();
            EventStoreException failure = new EventStoreException("transaction failed: " + cause.getMessage(), cause);
            for (Throwable suppressed : e.getSuppressed()) {
                failure.addSuppressed(suppressed);
            }
            throw failure;
        }
    }

    private Committed append(Connection tx, long expected, List<PolicyEvent> events) throws SQLException {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("nothing to commit");
        }
        long revision = nextRevision(tx);
        if (revision != expected) {
            throw new IllegalStateException("the locked write commits revision " + revision + ", not " + expected);
        }
        long position = 0;
        for (PolicyEvent event : events) {
            if (event.revision() != revision) {
                throw new IllegalArgumentException(event + " does not carry the write's revision " + revision);
            }
            String stream = streamId(event.ref());
            List<StoredEvent> appended = store.append(
                    tx, stream, EventStore.currentVersion(tx, stream), List.of(Codecs.POLICY.encode(event)));
            position = Math.max(position, appended.get(appended.size() - 1).position());
            project(tx, event);
        }
        return new Committed(revision, position);
    }

    @Override
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
                    StoredEvent stored = new StoredEvent(
                            rows.getLong(1),
                            rows.getString(2),
                            rows.getLong(3),
                            rows.getString(4),
                            rows.getInt(5),
                            rows.getString(6),
                            rows.getBytes(7),
                            rows.getTimestamp(8).toInstant());
                    if (Codecs.POLICY.handles(stored.type())) {
                        out.add(new Logged(stored.position(), Codecs.POLICY.decode(stored)));
                    }
                }
            }
        }
        return out;
    }

    @Override
    public void overflowed(PolicyMapOverflowed event) {
        store.transactions().inTransaction(tx -> {
            String stream = subjectStreamId(event.subject());
            store.append(tx, stream, EventStore.currentVersion(tx, stream), List.of(Codecs.SUBJECT.encode(event)));
            return null;
        });
    }

    /** The subject's stream, decoded. */
    public List<SubjectEvent> subjectEvents(long subject) {
        return store.readStream(subjectStreamId(subject)).stream()
                .map(Codecs.SUBJECT::decode)
                .toList();
    }

    @Override
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
                PolicyState before = live.containsKey(event.ref()) ? live.get(event.ref()) : PolicyState.ABSENT;
                switch (decider.evolve(before, event)) {
                    case StoredPolicy applied -> live.put(event.ref(), applied);
                    case PolicyState.Absent absent -> live.remove(event.ref());
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
                    out.put(
                            ref,
                            new StoredPolicy(ref, PolicyJson.read(rows.getString(5), Manifest.class), rows.getLong(4)));
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

    private static void project(Connection tx, PolicyEvent event) throws SQLException {
        PolicyRef ref = event.ref();
        switch (event) {
            case PolicyDeleted d -> {
                try (PreparedStatement delete =
                        tx.prepareStatement("DELETE FROM policies WHERE kind = ? AND namespace = ? AND name = ?")) {
                    delete.setString(1, ref.kind());
                    delete.setString(2, ref.namespace());
                    delete.setString(3, ref.name());
                    delete.executeUpdate();
                }
            }
            case PolicyApplied a -> {
                try (PreparedStatement upsert = tx.prepareStatement(
                        "INSERT INTO policies (kind, namespace, name, revision, manifest) VALUES (?, ?, ?, ?, ?::jsonb) "
                                + "ON CONFLICT (kind, namespace, name) DO UPDATE SET revision = EXCLUDED.revision, "
                                + "manifest = EXCLUDED.manifest, updated_at = now()")) {
                    upsert.setString(1, ref.kind());
                    upsert.setString(2, ref.namespace());
                    upsert.setString(3, ref.name());
                    upsert.setLong(4, a.revision());
                    upsert.setString(5, PolicyJson.writeString(a.manifest()));
                    upsert.executeUpdate();
                }
            }
        }
    }

    /** For tests: every event of the policy's stream, in order. */
    public List<PolicyEvent> policyEvents(PolicyRef ref) {
        List<PolicyEvent> out = new ArrayList<>();
        store.readStream(streamId(ref)).forEach(e -> out.add(Codecs.POLICY.decode(e)));
        return out;
    }
}
