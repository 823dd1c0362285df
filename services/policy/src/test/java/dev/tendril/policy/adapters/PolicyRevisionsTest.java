package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.api.v1.SubjectPolicyRevision;
import dev.tendril.policy.adapters.identity.CidrIdentities;
import dev.tendril.policy.adapters.kafka.KeyedTopicPublisher;
import dev.tendril.policy.adapters.kafka.PolicyPublisher;
import dev.tendril.policy.domain.Identity;
import dev.tendril.policy.domain.PolicyEngine;
import dev.tendril.policy.domain.SubjectPolicy;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * tendril.policy.revisions follows tendril.policy: one {@code SubjectPolicyRevision} per map record, sent after the
 * map is acknowledged, a tombstone after a map's tombstone; a new leadership heals a revisions topic that is empty
 * or behind; a revision that fails to send is retried like a failed map.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class PolicyRevisionsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    PolicyServiceConfig config;

    @Inject
    CidrIdentities cidrIdentities;

    private static String ns() {
        return "rev-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void apply(String yaml) {
        given().contentType("application/yaml")
                .body(yaml.getBytes(StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200);
    }

    /** A subject's records on a revisions topic, decoded (null: tombstone). */
    static List<SubjectPolicyRevision> revisions(String topic, long subject) {
        List<SubjectPolicyRevision> out = new ArrayList<>();
        for (byte[] value : TestTopics.read(topic).getOrDefault(Long.toString(subject), List.of())) {
            try {
                out.add(value == null ? null : SubjectPolicyRevision.parseFrom(value));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    private static SubjectPolicyRevision latestRevision(String topic, long subject) {
        List<SubjectPolicyRevision> records = revisions(topic, subject);
        return records.isEmpty() ? null : records.getLast();
    }

    private static SubjectPolicyRevision revision(long subject, long revision) {
        return SubjectPolicyRevision.newBuilder()
                .setSubject((int) subject)
                .setRevision(revision)
                .build();
    }

    /** Every revision record names a revision tendril.policy carried (never one ahead of its map). */
    private static void assertEveryRevisionWasPublishedAsAMap(long subject) {
        List<Long> maps = TestTopics.policyRecords(subject).stream()
                .filter(m -> m != null)
                .map(SubjectPolicyMap::getRevision)
                .toList();
        assertThat(revisions(TestTopics.REVISIONS, subject).stream()
                        .filter(r -> r != null)
                        .map(SubjectPolicyRevision::getRevision))
                .isSubsetOf(maps);
    }

    @Test
    void everySubjectsRevisionFollowsItsMapThroughChangesAndItsTombstone() {
        String ns = ns();
        long web = TestTopics.freshIdentity();
        long db = web + 1;
        TestTopics.identity(TestTopics.podIdentity(web, ns, "web"));
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        apply(PolicyApiTest.defaultDeny(ns));
        for (long subject : List.of(web, db)) {
            await().atMost(WAIT).untilAsserted(() -> {
                SubjectPolicyMap map = TestTopics.latest(subject);
                assertThat(map).isNotNull();
                assertThat(map.getIngressEnforcedByCount()).isEqualTo(1);
                assertThat(latestRevision(TestTopics.REVISIONS, subject))
                        .isEqualTo(revision(subject, map.getRevision()));
            });
        }
        long dbBefore = TestTopics.latest(db).getRevision();

        apply(PolicyApiTest.allowWeb(ns, 5432));
        await().atMost(WAIT).untilAsserted(() -> {
            SubjectPolicyMap map = TestTopics.latest(db);
            assertThat(map.getRevision()).isGreaterThan(dbBefore);
            assertThat(latestRevision(TestTopics.REVISIONS, db)).isEqualTo(revision(db, map.getRevision()));
        });

        TestTopics.send(TestTopics.IDENTITIES, Long.toString(db), null);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(TestTopics.policyRecords(db)).isNotEmpty().last().isNull();
            assertThat(revisions(TestTopics.REVISIONS, db)).isNotEmpty().last().isNull();
        });
        assertEveryRevisionWasPublishedAsAMap(db);
        assertEveryRevisionWasPublishedAsAMap(web);
        assertThat(latestRevision(TestTopics.REVISIONS, web))
                .isEqualTo(revision(web, TestTopics.latest(web).getRevision()));
    }

    @Test
    void aNewLeadershipMakesARevisionsTopicThatIsBehindOrEmptyAgreeWithThePolicyTopic() {
        String topic = "revisions-heal-" + UUID.randomUUID();
        String revisionsTopic = topic + ".revisions";
        PolicyEngine engine = new PolicyEngine("default", 16384);
        engine.upsertIdentity(Identity.pod(5001, "heal", Map.of(), Map.of("app", "a"), "default"));
        engine.upsertIdentity(Identity.pod(5002, "heal", Map.of(), Map.of("app", "b"), "default"));
        engine.upsertIdentity(Identity.pod(5004, "heal", Map.of(), Map.of("app", "c"), "default"));
        try (PolicyPublisher first = leadership(topic, revisionsTopic)) {
            assertThat(first.reconcile(engine.subjects(), Set.of(), 1))
                    .isEqualTo(engine.subjects().size());
        }
        assertThat(latestRevision(revisionsTopic, 5001)).isEqualTo(revision(5001, 1));

        // A leader that crashed between the two sends: 5001's map at revision 7 without its revision record,
        // 5002's map tombstoned without its revision tombstone; and a revision record of a subject with no map.
        SubjectPolicyMap map5001 = latestMap(topic, 5001);
        TestTopics.send(
                topic, "5001", map5001.toBuilder().setRevision(7).build().toByteArray());
        TestTopics.send(topic, "5002", null);
        TestTopics.send(revisionsTopic, "5999", revision(5999, 3).toByteArray());
        Map<Long, SubjectPolicy> now = new HashMap<>(engine.subjects());
        now.remove(5002L);

        try (PolicyPublisher next = leadership(topic, revisionsTopic)) {
            assertThat(next.reconcile(now, Set.of(), 2))
                    .as("no map needed sending")
                    .isZero();
            assertThat(next.hasFailures()).isFalse();
        }
        assertThat(latestRevision(revisionsTopic, 5001)).isEqualTo(revision(5001, 7));
        assertThat(latestRevision(revisionsTopic, 5004)).isEqualTo(revision(5004, 1));
        assertThat(revisions(revisionsTopic, 5002)).last().isNull();
        assertThat(revisions(revisionsTopic, 5999)).last().isNull();

        String emptied = topic + ".revisions-empty";
        try (PolicyPublisher fresh = leadership(topic, emptied)) {
            assertThat(fresh.reconcile(now, Set.of(), 3)).isZero();
        }
        assertThat(TestTopics.read(emptied).keySet())
                .containsExactlyInAnyOrderElementsOf(
                        now.keySet().stream().map(String::valueOf).toList())
                .contains("5001", "5004");
        assertThat(latestRevision(emptied, 5001)).isEqualTo(revision(5001, 7));
        assertThat(latestRevision(emptied, 5004)).isEqualTo(revision(5004, 1));
    }

    @Test
    void aReplicaThatTakesOverHealsTheRevisionsACrashedLeaderLeftBehind() {
        String topic = "revisions-takeover-" + UUID.randomUUID();
        String revisionsTopic = topic + ".revisions";
        long db = TestTopics.freshIdentity();
        long ghost = db + 1;
        TestTopics.identity(TestTopics.podIdentity(db, ns(), "db"));
        try (PolicyReplica first = new PolicyReplica(config, topic, cidrIdentities)) {
            await().atMost(WAIT).until(first.runtime::isLeader);
            await().atMost(WAIT).until(first.runtime::publishedAll);
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(latestRevision(revisionsTopic, db))
                            .isEqualTo(revision(db, latestMap(topic, db).getRevision())));
        }
        // What a leader that died between the two sends leaves: db's map without its revision record, and the
        // revision record of a subject whose map is gone.
        TestTopics.send(revisionsTopic, Long.toString(db), null);
        TestTopics.send(revisionsTopic, Long.toString(ghost), revision(ghost, 3).toByteArray());

        try (PolicyReplica second = new PolicyReplica(config, topic, cidrIdentities)) {
            await().atMost(WAIT).until(second.runtime::isLeader);
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(second.runtime.publishedAll()).isTrue();
                assertThat(latestRevision(revisionsTopic, db))
                        .isEqualTo(revision(db, latestMap(topic, db).getRevision()));
                assertThat(revisions(revisionsTopic, ghost)).last().isNull();
            });
        }
    }

    @Test
    void aRevisionTheBrokerRefusesLeavesTheSubjectUnknownUntilAReconcileSendsIt() throws Exception {
        String topic = "revisions-retry-" + UUID.randomUUID();
        String revisionsTopic = topic + ".revisions";
        // The broker refuses every record of the revisions topic while its max.message.bytes is 1 (one record per
        // send here: the producer would split a batch of several and retry the halves).
        NewTopic refusing = new NewTopic(revisionsTopic, 1, (short) -1)
                .configs(Map.of("cleanup.policy", "compact", "max.message.bytes", "1"));
        try (Admin admin = Admin.create(TestTopics.kafkaProperties())) {
            admin.createTopics(List.of(refusing)).all().get(10, TimeUnit.SECONDS);
        }
        PolicyEngine engine = new PolicyEngine("default", 16384);
        engine.upsertIdentity(Identity.pod(6001, "retry", Map.of(), Map.of("app", "a"), "default"));
        try (PolicyPublisher publisher = leadership(topic, revisionsTopic)) {
            Map<Long, SubjectPolicy> subjects = Map.of(6001L, engine.subjects().get(6001L));
            assertThat(publisher.publish(subjects.values(), List.of(), 1)).isEqualTo(1);
            assertThat(latestMap(topic, 6001).getRevision()).isEqualTo(1);
            assertThat(publisher.hasFailures()).isTrue();
            assertThat(publisher.unknown()).containsExactly(6001L);
            assertThat(TestTopics.read(revisionsTopic)).isEmpty();

            try (Admin admin = Admin.create(TestTopics.kafkaProperties())) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, revisionsTopic);
                admin.incrementalAlterConfigs(Map.of(
                                resource,
                                List.of(new AlterConfigOp(
                                        new ConfigEntry("max.message.bytes", "1048588"), AlterConfigOp.OpType.SET))))
                        .all()
                        .get(10, TimeUnit.SECONDS);
            }
            await().atMost(WAIT).untilAsserted(() -> {
                publisher.reconcile(subjects, Set.of(), 1);
                assertThat(publisher.hasFailures()).isFalse();
            });
            assertThat(publisher.unknown()).isEmpty();
        }
        assertThat(TestTopics.policyRecords(6001)).isEmpty(); // the shared topic was never written
        assertThat(revisions(revisionsTopic, 6001)).containsExactly(revision(6001, 1));
    }

    private static PolicyPublisher leadership(String topic, String revisionsTopic) {
        return KeyedTopicPublisher.readyToPublish(
                new PolicyPublisher(TestTopics.kafkaProperties(), topic, revisionsTopic, 1, new SimpleMeterRegistry()));
    }

    private static SubjectPolicyMap latestMap(String topic, long subject) {
        List<byte[]> records = TestTopics.read(topic).getOrDefault(Long.toString(subject), List.of());
        try {
            return SubjectPolicyMap.parseFrom(records.getLast());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
