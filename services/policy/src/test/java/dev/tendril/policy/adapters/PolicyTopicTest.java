package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import dev.tendril.net.Cidr;
import dev.tendril.policy.adapters.kafka.PolicyPublisher;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.domain.Identity;
import dev.tendril.policy.domain.PolicyEngine;
import dev.tendril.policy.domain.SubjectPolicy;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Identity and endpoint records in, tendril.policy out: content, revisions, republish rules, tombstones. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class PolicyTopicTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    PolicyRuntime runtime;

    static String ns() {
        return "topic-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void apply(String yaml) {
        given().contentType("application/yaml")
                .body(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200);
    }

    private static Map<PolicyMapKey, PolicyMapValue> decode(SubjectPolicyMap map) {
        Map<PolicyMapKey, PolicyMapValue> out = new HashMap<>();
        for (PolicyMapEntry e : map.getEntriesList()) {
            out.put(
                    PolicyMapKey.decode(e.getKey().toByteArray()),
                    PolicyMapValue.decode(e.getValue().toByteArray()));
        }
        return out;
    }

    @Test
    void publishesTheSubjectPolicyMapOfIdentitiesAndEndpointsFromTheInputTopics() {
        String ns = ns();
        long web = TestTopics.freshIdentity();
        long db = web + 1;
        TestTopics.identity(TestTopics.podIdentity(web, ns, "web"));
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        TestTopics.endpoint(TestTopics.endpoint(ns, "db-0", db, "db", TestTopics.namedPort("pg", 5432, "TCP")));
        apply(PolicyApiTest.allowWeb(ns, 5432).replace("- port: 5432", "- port: pg"));

        await().atMost(WAIT).untilAsserted(() -> {
            SubjectPolicyMap published = TestTopics.latest(db);
            assertThat(published).isNotNull();
            assertThat(published.getSubject()).isEqualTo((int) db);
            assertThat(published.getIngressEnforcedByList()).containsExactly("NetworkPolicy/" + ns + "/allow-web");
            assertThat(published.getEgressEnforcedByList()).isEmpty();
            Map<PolicyMapKey, PolicyMapValue> entries = decode(published);
            PolicyMapKey allowed = PolicyMapKey.of(web, Direction.INGRESS, IpProtocol.TCP, 5432);
            assertThat(entries).containsEntry(allowed, PolicyMapValue.allow(allowed));
            assertThat(entries).containsKey(PolicyMapKey.anyProtocol(0, Direction.EGRESS));
            assertThat(published.getEntriesList())
                    .filteredOn(
                            e -> PolicyMapKey.decode(e.getKey().toByteArray()).equals(allowed))
                    .singleElement()
                    .satisfies(
                            e -> assertThat(e.getPoliciesList()).containsExactly("NetworkPolicy/" + ns + "/allow-web"));
            SubjectPolicy computed = runtime.read(v -> v.engine().subject(db).orElseThrow());
            assertThat(entries.keySet())
                    .containsExactlyInAnyOrderElementsOf(computed.entries().keySet());
            assertThat(published.getRevision()).isPositive();
        });
    }

    @Test
    void doesNotRepublishASubjectWhoseContentDidNotChange() {
        String ns = ns();
        long db = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        apply(PolicyApiTest.defaultDeny(ns));
        await().atMost(WAIT)
                .until(() ->
                        TestTopics.latest(db) != null && TestTopics.latest(db).getIngressEnforcedByCount() == 1);
        List<SubjectPolicyMap> before = TestTopics.policyRecords(db);

        apply(PolicyApiTest.defaultDeny(ns)); // unchanged manifest
        apply(PolicyApiTest.defaultDeny(ns())); // a policy of another namespace
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db")); // the same identity again
        long other = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(other, ns, "other"));
        await().atMost(WAIT).until(() -> TestTopics.latest(other) != null);

        assertThat(TestTopics.policyRecords(db)).isEqualTo(before);
    }

    @Test
    void aRestartedPublisherReadsTheTopicBackAndRepublishesOnlyChangedSubjects() {
        String ns = ns();
        long db = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        apply(PolicyApiTest.defaultDeny(ns));
        await().atMost(WAIT)
                .until(() ->
                        TestTopics.latest(db) != null && TestTopics.latest(db).getIngressEnforcedByCount() == 1);

        // As the service after a restart: read the live topic back, then reconcile with the same engine state.
        int sent = runtime.read(v -> {
            try (PolicyPublisher restarted = new PolicyPublisher(
                    TestTopics.kafkaProperties(),
                    TestTopics.POLICY,
                    // Its revisions elsewhere: this publisher must not write the live leader's revisions topic.
                    "policy-restart-revisions-" + UUID.randomUUID(),
                    1,
                    new SimpleMeterRegistry())) {
                restarted.readBack();
                assertThat(restarted.published(db)).isPresent();
                return restarted.reconcile(
                        v.engine().subjects(),
                        v.engine().overflows().stream()
                                .map(PolicyEngine.Overflow::subject)
                                .toList(),
                        v.revision());
            }
        });
        assertThat(sent).isZero();

        // On a topic of its own: one changed subject is sent again with the next revision, the rest not.
        String topic = "policy-restart-" + UUID.randomUUID();
        PolicyEngine engine = new PolicyEngine("default", 16384);
        engine.upsertIdentity(Identity.pod(5001, ns, Map.of(), Map.of("app", "a"), "default"));
        engine.upsertIdentity(Identity.pod(5002, ns, Map.of(), Map.of("app", "b"), "default"));
        engine.upsertIdentity(Identity.cidr(5003, Cidr.parse("192.0.2.0/24")));
        Map<Long, SubjectPolicy> first = Map.copyOf(engine.subjects());
        try (PolicyPublisher a = new PolicyPublisher(
                TestTopics.kafkaProperties(), topic, topic + ".revisions", 1, new SimpleMeterRegistry())) {
            a.ensureTopic();
            assertThat(a.reconcile(first, Set.of(), 1)).isEqualTo(first.size());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        engine.apply(dev.tendril.policy.manifest.ManifestParser.parse(
                PolicyApiTest.defaultDeny(ns).replace("podSelector: {}", "podSelector: {matchLabels: {app: a}}")));
        try (PolicyPublisher b = new PolicyPublisher(
                TestTopics.kafkaProperties(), topic, topic + ".revisions", 1, new SimpleMeterRegistry())) {
            b.readBack();
            assertThat(b.reconcile(first, Set.of(), 2)).isZero();
            assertThat(b.reconcile(engine.subjects(), Set.of(), 3)).isEqualTo(1);
            assertThat(b.published(5001).orElseThrow().revision()).isEqualTo(2);
            assertThat(b.published(5002).orElseThrow().revision()).isEqualTo(1);
        }
        assertThat(TestTopics.read(topic).get("5001")).hasSize(2);
        assertThat(TestTopics.read(topic).get("5002")).hasSize(1);
        assertThat(TestTopics.read(topic)).doesNotContainKey("5003"); // CIDR identities own no map
    }

    @Test
    void tombstonesASubjectWhenItsIdentityDisappears() {
        String ns = ns();
        long id = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(id, ns, "gone"));
        await().atMost(WAIT).until(() -> TestTopics.latest(id) != null);

        TestTopics.send(TestTopics.IDENTITIES, Long.toString(id), null);

        await().atMost(WAIT).untilAsserted(() -> {
            List<SubjectPolicyMap> records = TestTopics.policyRecords(id);
            assertThat(records).isNotEmpty();
            assertThat(records.get(records.size() - 1)).isNull();
        });
        given().get("/v1/identities/" + id + "/policymap").then().statusCode(404);
    }

    @Test
    void revisionsOfASubjectIncreaseWithEachPublish() {
        String ns = ns();
        long db = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        await().atMost(WAIT).until(() -> TestTopics.latest(db) != null);
        long first = TestTopics.latest(db).getRevision();
        apply(PolicyApiTest.defaultDeny(ns));
        await().atMost(WAIT).until(() -> TestTopics.latest(db).getIngressEnforcedByCount() == 1);
        SubjectPolicyMap second = TestTopics.latest(db);
        assertThat(second.getRevision()).isEqualTo(first + 1);
        assertThat(second.getPolicyRevision()).isEqualTo(runtime.read(PolicyRuntime.View::revision));
        given().get("/v1/identities/" + db + "/policymap")
                .then()
                .statusCode(200)
                .body("revision", org.hamcrest.Matchers.equalTo((int) second.getRevision()));
    }
}
