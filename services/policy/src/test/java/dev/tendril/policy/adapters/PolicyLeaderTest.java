package dev.tendril.policy.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.eventstore.EventStore;
import dev.tendril.policy.adapters.identity.CidrIdentities;
import dev.tendril.policy.app.ApplyOutcome;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.domain.ApplyResult;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.StoredPolicy;
import dev.tendril.policy.domain.SubjectPolicy;
import dev.tendril.policy.manifest.Manifests;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Two policy replicas on one database and one output topic: one leader publishes, the standby keeps a warm
 * engine from the event log, either accepts writes, and the standby takes over when the leader's session
 * ends. Handover is asserted by behaviour (what reaches the topic, and from whom), never by time.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class PolicyLeaderTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    PolicyServiceConfig config;

    @Inject
    CidrIdentities cidrIdentities;

    @Inject
    EventStore eventStore;

    private static String ns() {
        return "leader-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String topic() {
        return "policy-leader-" + UUID.randomUUID();
    }

    private PolicyReplica replica(String topic) {
        return new PolicyReplica(config, topic, cidrIdentities);
    }

    private static ApplyOutcome apply(PolicyReplica replica, String yaml) {
        return replica.runtime.apply(Manifests.parse(yaml), false);
    }

    /** The subject's records on the topic, decoded (null: tombstone). */
    private static List<SubjectPolicyMap> records(String topic, long subject) {
        List<SubjectPolicyMap> out = new ArrayList<>();
        for (byte[] value : TestTopics.read(topic).getOrDefault(Long.toString(subject), List.of())) {
            try {
                out.add(value == null ? null : SubjectPolicyMap.parseFrom(value));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    private static List<String> ingressEnforcedBy(String topic, long subject) {
        List<SubjectPolicyMap> records = records(topic, subject);
        SubjectPolicyMap last = records.isEmpty() ? null : records.get(records.size() - 1);
        return last == null ? List.of() : last.getIngressEnforcedByList();
    }

    /**
     * Every record of the subject is a change (its content differs from the one before) and its revision is
     * the one before plus one: nothing was published twice, and no leader skipped or reused a revision.
     */
    private static void publishedOnceEach(String topic, long subject, int expected) {
        List<SubjectPolicyMap> records = records(topic, subject);
        assertThat(records).hasSize(expected).doesNotContainNull();
        for (int i = 0; i < records.size(); i++) {
            assertThat(records.get(i).getRevision())
                    .as("revision of record %d", i)
                    .isEqualTo(i + 1);
            if (i > 0) {
                assertThat(content(records.get(i)))
                        .as("record %d repeats the one before", i)
                        .isNotEqualTo(content(records.get(i - 1)));
            }
        }
    }

    private static SubjectPolicyMap content(SubjectPolicyMap record) {
        return record.toBuilder().clearRevision().clearPolicyRevision().build();
    }

    private static Optional<SubjectPolicy> subject(PolicyReplica replica, long id) {
        return replica.runtime.read(v -> v.engine().subject(id));
    }

    private static SortedMap<PolicyRef, StoredPolicy> stored(PolicyReplica replica) {
        return replica.runtime.read(v -> new java.util.TreeMap<>(v.stored()));
    }

    @Test
    void onlyTheLeaderPublishesAndWritesThroughEitherReplicaAreCompiledByBothAndPublishedOnce() {
        String topic = topic();
        String ns = ns();
        long db = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        try (PolicyReplica first = replica(topic)) {
            await().atMost(WAIT).until(first.runtime::isLeader);
            try (PolicyReplica second = replica(topic)) {
                await().atMost(WAIT).until(second.runtime::isReady);
                await().atMost(WAIT).until(() -> records(topic, db).size() == 1);

                assertThat(apply(second, PolicyApiTest.defaultDeny(ns)).policies())
                        .extracting(ApplyOutcome.Applied::result)
                        .containsExactly(ApplyResult.CREATED);
                await().atMost(WAIT)
                        .until(() -> ingressEnforcedBy(topic, db)
                                .equals(List.of("NetworkPolicy/" + ns + "/default-deny-ingress")));

                // The first replica decides on what the second wrote: same manifest, nothing to store.
                assertThat(apply(first, PolicyApiTest.defaultDeny(ns)).policies())
                        .extracting(ApplyOutcome.Applied::result)
                        .containsExactly(ApplyResult.UNCHANGED);
                apply(first, PolicyApiTest.allowWeb(ns, 5432));
                await().atMost(WAIT).until(() -> ingressEnforcedBy(topic, db).size() == 2);

                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(subject(second, db)).isEqualTo(subject(first, db));
                    assertThat(stored(second)).isEqualTo(stored(first));
                });
                await().atMost(WAIT).until(first.runtime::publishedAll);
                assertThat(second.runtime.isLeader()).isFalse();
                assertThat(second.sent()).isZero();
                assertThat(first.meters.get("tendril.policy.leader").gauge().value())
                        .isEqualTo(1.0);
                assertThat(second.meters.get("tendril.policy.leader").gauge().value())
                        .isEqualTo(0.0);
                publishedOnceEach(topic, db, 3);
            }
        }
    }

    @Test
    void theStandbyTakesOverWhenTheLeaderStopsAndPublishesTheNextChangeWithoutRepublishing() {
        String topic = topic();
        String ns = ns();
        long db = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        PolicyReplica first = replica(topic);
        try (PolicyReplica second = replica(topic)) {
            await().atMost(WAIT).until(() -> first.runtime.isLeader() || second.runtime.isLeader());
            PolicyReplica leader = first.runtime.isLeader() ? first : second;
            PolicyReplica standby = leader == first ? second : first;
            await().atMost(WAIT).until(standby.runtime::isReady);
            // The subject's first (empty) map goes out before the first policy, or the two would coalesce.
            await().atMost(WAIT).until(() -> records(topic, db).size() == 1);
            apply(standby, PolicyApiTest.defaultDeny(ns));
            await().atMost(WAIT).until(() -> ingressEnforcedBy(topic, db).size() == 1);
            await().atMost(WAIT).until(leader.runtime::publishedAll);
            double standbySentBefore = standby.sent();

            leader.close();

            await().atMost(WAIT).until(standby.runtime::isLeader);
            await().atMost(WAIT).until(standby.runtime::publishedAll);
            // The takeover reconcile found the topic current: the warm engine republished nothing.
            assertThat(standby.sent()).isEqualTo(standbySentBefore);
            apply(standby, PolicyApiTest.allowWeb(ns, 5432));
            await().atMost(WAIT).until(() -> ingressEnforcedBy(topic, db).size() == 2);
            assertThat(standby.sent()).isPositive();
            publishedOnceEach(topic, db, 3);
        } finally {
            first.close();
        }
    }

    @Test
    void aLeaderWhoseSessionIsTerminatedStepsDownAndExactlyOneReplicaPublishesTheNextChange() throws Exception {
        String topic = topic();
        String ns = ns();
        long db = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        try (PolicyReplica first = replica(topic);
                PolicyReplica second = replica(topic)) {
            await().atMost(WAIT).until(() -> first.runtime.isLeader() || second.runtime.isLeader());
            await().atMost(WAIT).until(() -> first.runtime.isReady() && second.runtime.isReady());
            PolicyReplica leader = first.runtime.isLeader() ? first : second;
            await().atMost(WAIT).until(leader.runtime::publishedAll);
            assertThat(records(topic, db)).hasSize(1);

            assertThat(terminateLockHolder(topic)).isEqualTo(1);

            // Whoever leads next (the standby, or the old leader again) is the only one, and publishes once.
            await().atMost(WAIT)
                    .until(() -> first.runtime.isLeader() ^ second.runtime.isLeader()
                            && (first.runtime.publishedAll() || second.runtime.publishedAll()));
            PolicyReplica standby = first.runtime.isLeader() ? second : first;
            apply(standby, PolicyApiTest.defaultDeny(ns));
            await().atMost(WAIT).until(() -> ingressEnforcedBy(topic, db).size() == 1);
            await().atMost(WAIT).until(() -> first.runtime.publishedAll() || second.runtime.publishedAll());
            publishedOnceEach(topic, db, 2);
        }
    }

    @Test
    void concurrentWritesThroughTwoReplicasGetDistinctRevisionsInCommitOrderAndOneCreation() throws Exception {
        String topic = topic();
        String ns = ns();
        try (PolicyReplica first = replica(topic);
                PolicyReplica second = replica(topic)) {
            await().atMost(WAIT).until(() -> first.runtime.isReady() && second.runtime.isReady());
            ExecutorService writers = Executors.newFixedThreadPool(4);
            try {
                // The same manifest through both replicas at once: exactly one creates it.
                List<Callable<ApplyResult>> same = List.of(first, second, first, second).stream()
                        .<Callable<ApplyResult>>map(r -> () -> apply(r, PolicyApiTest.defaultDeny(ns))
                                .policies()
                                .get(0)
                                .result())
                        .toList();
                List<ApplyResult> results = new ArrayList<>();
                for (Future<ApplyResult> f : writers.invokeAll(same)) {
                    results.add(f.get());
                }
                assertThat(results)
                        .containsOnlyOnce(ApplyResult.CREATED)
                        .containsOnly(ApplyResult.CREATED, ApplyResult.UNCHANGED);

                // Many different policies through both: every request one revision of its own.
                List<Callable<Long>> many = IntStream.range(0, 40)
                        .<Callable<Long>>mapToObj(i -> () -> apply(
                                        i % 2 == 0 ? first : second,
                                        PolicyApiTest.defaultDeny(ns).replace("default-deny-ingress", "deny-" + i))
                                .revision())
                        .toList();
                List<Long> revisions = new ArrayList<>();
                for (Future<Long> f : writers.invokeAll(many)) {
                    revisions.add(f.get());
                }
                assertThat(revisions).doesNotHaveDuplicates();
            } finally {
                writers.shutdownNow();
            }
            await().atMost(WAIT).untilAsserted(() -> {
                SortedMap<PolicyRef, StoredPolicy> model = first.store.readModel();
                assertThat(stored(first)).isEqualTo(model);
                assertThat(stored(second)).isEqualTo(model);
                assertThat(first.runtime.read(PolicyRuntime.View::revision))
                        .isEqualTo(second.runtime.read(PolicyRuntime.View::revision));
            });
            PolicyRef deny = new PolicyRef("NetworkPolicy", ns, "default-deny-ingress");
            assertThat(first.store.policyEvents(deny)).hasSize(1);
        }
    }

    /** Ends the PostgreSQL session holding the topic's election lock, as a broken connection would. */
    private int terminateLockHolder(String topic) {
        return eventStore.transactions().inTransaction(tx -> {
            try (PreparedStatement terminate =
                    tx.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                            + "WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                            + "AND ((classid::bigint << 32) | objid::bigint) = hashtext(?)::bigint")) {
                terminate.setString(1, "tendril-policy-leader/" + topic);
                try (ResultSet row = terminate.executeQuery()) {
                    row.next();
                    return row.getInt(1);
                }
            }
        });
    }
}
