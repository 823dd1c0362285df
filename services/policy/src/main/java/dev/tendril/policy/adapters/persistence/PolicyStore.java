package dev.tendril.policy.adapters.persistence;

import dev.tendril.eventstore.EventStore;
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
 * <p>Every write holds the {@code policy_revision} row lock from before its first insert until it commits
 * ({@link RevisionLockedLog}), so policy events become visible in position order: a replica that read the
 * log up to a position has seen every policy event below it, and can follow the other replicas' writes by
 * position ({@link #after}) without a gap.
 */
public final class PolicyStore implements PolicyRepository {

    private static final int PAGE = 5_000;

    private final EventStore store;
    private final RevisionLockedLog<PolicyEvent> log;
    private final PolicyDecider decider = new PolicyDecider();

    public PolicyStore(EventStore store) {
        this.store = store;
        this.log = new RevisionLockedLog<>(
                store,
                "policy_revision",
                "policy/",
                Codecs.POLICY,
                event -> streamId(event.ref()),
                PolicyEvent::revision,
                PolicyStore::project);
    }

    public static String streamId(PolicyRef ref) {
        return "policy/" + ref.kind() + "/" + ref.namespace() + "/" + ref.name();
    }

    public static String subjectStreamId(long subject) {
        return "subject/" + subject;
    }

    @Override
    public <T> T write(Function<Locked<PolicyEvent>, T> work) {
        return log.write(work);
    }

    @Override
    public List<Logged<PolicyEvent>> after(long position, int limit) {
        return log.after(position, limit);
    }

    @Override
    public long revision() {
        return log.revision();
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
                return new Snapshot(new TreeMap<>(live), Math.max(revision, revision()), lastPolicy);
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
