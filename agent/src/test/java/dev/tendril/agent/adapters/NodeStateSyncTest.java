package dev.tendril.agent.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.google.protobuf.ByteString;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.lb.LbFlags;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.SharedInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The agent follows the four state topics on a real broker into its (in-memory) ipcache, cilium_lxc and policy maps. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@TestProfile(NodeStateSyncTest.SyncOn.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeStateSyncTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    public static class SyncOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "tendril.agent.sync.enabled",
                    "true",
                    // This test publishes tendril.policy's records: the agent follows that topic.
                    "tendril.agent.sync.policy-source",
                    "topic",
                    "tendril.agent.sync.identities-topic",
                    "agent-test-" + RUN + ".identities",
                    "tendril.agent.sync.endpoints-topic",
                    "agent-test-" + RUN + ".endpoints",
                    "tendril.agent.sync.nodes-topic",
                    "agent-test-" + RUN + ".nodes",
                    "tendril.agent.sync.policy-topic",
                    "agent-test-" + RUN + ".policy",
                    "tendril.agent.sync.services-topic",
                    "agent-test-" + RUN + ".services");
        }
    }

    /** The part of an ipcache entry this test checks (no tunnel endpoints are written yet). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Entry(String cidr, long identity) {}

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "tendril.agent.sync.identities-topic")
    String identitiesTopic;

    @ConfigProperty(name = "tendril.agent.sync.endpoints-topic")
    String endpointsTopic;

    @ConfigProperty(name = "tendril.agent.sync.nodes-topic")
    String nodesTopic;

    @ConfigProperty(name = "tendril.agent.sync.policy-topic")
    String policyTopic;

    @ConfigProperty(name = "tendril.agent.sync.services-topic")
    String servicesTopic;

    @Test
    @Order(4)
    void followsServicesIntoTheLbMapsAndListsThemLikeCiliumBpfLbList() throws Exception {
        ServiceMaps v1 = ServiceMaps.newBuilder()
                .setNamespace("demo")
                .setName("backend")
                .setRevision(2)
                .setType("ClusterIP")
                .addFrontends(LbFrontend.newBuilder()
                        .setAddress("10.96.0.10")
                        .setPort(80)
                        .setProtocol(IpProtocol.TCP)
                        .setRevNatIndex(3)
                        .setFlags(LbFlags.AFFINITY)
                        .setAffinityTimeoutSeconds(10800)
                        .addBackendIds(7))
                .addBackends(LbBackend.newBuilder()
                        .setId(7)
                        .setAddress("10.0.1.5")
                        .setPort(8080)
                        .setProtocol(IpProtocol.TCP)
                        .setNode("node-1")
                        .setPod("demo/backend-1"))
                .build();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(servicesTopic, "demo/backend", v1.toByteArray()))
                    .get();
            // A lower revision arriving later (a replica's late publish) changes nothing.
            producer.send(new ProducerRecord<>(
                            servicesTopic,
                            "demo/backend",
                            v1.toBuilder()
                                    .setRevision(1)
                                    .clearBackends()
                                    .build()
                                    .toByteArray()))
                    .get();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().when()
                            .get("/v1/maps/lb")
                            .then()
                            .statusCode(200)
                            .body("frontend", org.hamcrest.Matchers.contains("10.96.0.10:80/TCP"))
                            .body("[0].service", equalTo("demo/backend"))
                            .body("[0].type", equalTo("ClusterIP"))
                            .body("[0].revNat", equalTo(3))
                            .body("[0].flags", hasItem("sessionAffinity"))
                            .body("[0].backends[0].slot", equalTo(1))
                            .body("[0].backends[0].id", equalTo(7))
                            .body("[0].backends[0].address", equalTo("10.0.1.5:8080/TCP"))
                            .body("[0].backends[0].state", equalTo("active")));

            producer.send(new ProducerRecord<>(servicesTopic, "demo/backend", null))
                    .get();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().when()
                            .get("/v1/maps/lb")
                            .then()
                            .statusCode(200)
                            .body("size()", equalTo(0)));
        }
    }

    @Test
    @Order(1)
    void followsIdentitiesEndpointsAndNodesIntoTheIpcacheAndRemovesOnTombstone() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(
                            identitiesTopic,
                            "1001",
                            Identity.newBuilder()
                                    .setId(1001)
                                    .addLabels(Label.newBuilder()
                                            .setSource("k8s")
                                            .setKey("app")
                                            .setValue("web"))
                                    .build()
                                    .toByteArray()))
                    .get();
            producer.send(new ProducerRecord<>(
                            endpointsTopic,
                            "shop/web-1",
                            Endpoint.newBuilder()
                                    .setNamespace("shop")
                                    .setPod("web-1")
                                    .setUid("u1")
                                    .setNode("node-1")
                                    .setIpv4("10.0.1.5")
                                    .setIpv6("fd00::105")
                                    .setIdentity(1001)
                                    .build()
                                    .toByteArray()))
                    .get();
            producer.send(new ProducerRecord<>(
                            endpointsTopic,
                            "shop/web-2",
                            Endpoint.newBuilder()
                                    .setNamespace("shop")
                                    .setPod("web-2")
                                    .setUid("u2")
                                    .setNode("node-2")
                                    .setIpv4("10.0.2.9")
                                    .setIdentity(1001)
                                    .build()
                                    .toByteArray()))
                    .get();
            producer.send(new ProducerRecord<>(
                            nodesTopic,
                            "node-1",
                            Node.newBuilder()
                                    .setName("node-1")
                                    .addIps("192.168.0.11")
                                    .build()
                                    .toByteArray()))
                    .get();
            producer.send(new ProducerRecord<>(
                            nodesTopic,
                            "node-2",
                            Node.newBuilder()
                                    .setName("node-2")
                                    .addIps("192.168.0.12")
                                    .build()
                                    .toByteArray()))
                    .get();

            awaitIpcache(List.of(
                    new Entry("10.0.1.5/32", 1001),
                    new Entry("10.0.2.9/32", 1001),
                    new Entry("192.168.0.11/32", 1),
                    new Entry("192.168.0.12/32", 6),
                    new Entry("fd00::105/128", 1001)));

            given().when()
                    .get("/q/health/ready")
                    .then()
                    .statusCode(200)
                    .body("status", equalTo("UP"))
                    .body("checks.data.endpoints", hasItem(2))
                    .body("checks.data.kafka", hasItem("ok"));

            producer.send(new ProducerRecord<>(endpointsTopic, "shop/web-2", null))
                    .get();

            awaitIpcache(List.of(
                    new Entry("10.0.1.5/32", 1001),
                    new Entry("192.168.0.11/32", 1),
                    new Entry("192.168.0.12/32", 6),
                    new Entry("fd00::105/128", 1001)));
        }
        String metrics = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(metrics)
                .contains("tendril_agent_reconcile_changes_total{kind=\"removed\",map=\"cilium_ipcache_v2\"");
        // Caught up: no record of a followed topic left behind its end (checked once a second).
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(given().when()
                                .get("/q/metrics")
                                .then()
                                .statusCode(200)
                                .extract()
                                .asString())
                        .contains("tendril_agent_topic_lag_records{topic=\"" + endpointsTopic + "\"} 0.0")
                        .contains("tendril_agent_topic_lag_seconds{topic=\"" + endpointsTopic + "\"} 0.0"));
    }

    /** Stops the JVM's shared broker for a while, as OutboxRelayTest does; restarts it on the same port. */
    @Test
    @Order(2)
    void keepsTheIpcacheWhileKafkaIsDownAndCatchesUpWhenItReturns() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(
                            endpointsTopic,
                            "shop/db-1",
                            Endpoint.newBuilder()
                                    .setNamespace("shop")
                                    .setPod("db-1")
                                    .setUid("u3")
                                    .setNode("node-2")
                                    .setIpv4("10.0.2.20")
                                    .setIdentity(1001)
                                    .build()
                                    .toByteArray()))
                    .get();
        }
        awaitIpcacheContains(new Entry("10.0.2.20/32", 1001));
        List<Entry> before = ipcache();

        KafkaBroker kafka = SharedInfrastructure.kafka();
        kafka.stop();
        try {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> given().when()
                            .get("/q/health/ready")
                            .then()
                            .statusCode(200)
                            .body("status", equalTo("UP"))
                            .body("checks.data.kafka", hasItem(containsString("Kafka unreachable"))));
            assertThat(ipcache()).isEqualTo(before);
        } finally {
            kafka.restart();
        }

        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(
                            endpointsTopic,
                            "shop/db-2",
                            Endpoint.newBuilder()
                                    .setNamespace("shop")
                                    .setPod("db-2")
                                    .setUid("u4")
                                    .setNode("node-2")
                                    .setIpv4("10.0.2.21")
                                    .setIdentity(1001)
                                    .build()
                                    .toByteArray()))
                    .get();
        }
        awaitIpcacheContains(new Entry("10.0.2.21/32", 1001));
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().when()
                        .get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .body("checks.data.kafka", hasItem("ok")));
    }

    /** A decoded policy-map row of GET /v1/maps/policy/... */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record PolicyRow(String direction, long identity, String protocol, int port, boolean deny) {}

    static SubjectPolicyMap policy(int subject, long revision, PolicyMapKey key, boolean deny) {
        PolicyMapValue value = deny ? PolicyMapValue.deny(key) : PolicyMapValue.allow(key);
        return SubjectPolicyMap.newBuilder()
                .setSubject(subject)
                .setRevision(revision)
                .addEntries(PolicyMapEntry.newBuilder()
                        .setKey(ByteString.copyFrom(key.encode()))
                        .setValue(ByteString.copyFrom(value.encode()))
                        .addPolicies("NetworkPolicy/shop/web"))
                .build();
    }

    private static List<PolicyRow> policyRows(String endpoint) {
        return List.of(given().when()
                .get("/v1/maps/policy/" + endpoint)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("rows", PolicyRow.class)
                .toArray(PolicyRow[]::new));
    }

    /** shop/web-1 (node-1, identity 1001) is this node's endpoint since the first test. */
    @Test
    @Order(3)
    void writesTheLocalEndpointsPolicyMapFromTendrilPolicyAndFollowsChanges() throws Exception {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(policyRows("shop/web-1")).isEmpty());
        given().when()
                .get("/v1/maps/endpoints")
                .then()
                .statusCode(200)
                .body("rows.ip", org.hamcrest.Matchers.containsInAnyOrder("10.0.1.5", "fd00::105"))
                .body("rows.identity", org.hamcrest.Matchers.everyItem(equalTo(1001)));
        int endpointId = given().when()
                .get("/v1/endpoints")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getInt("find { it.pod == 'web-1' }.endpointId");

        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(
                            policyTopic,
                            "1001",
                            policy(1001, 1, PolicyMapKey.of(1002, Direction.INGRESS, IpProtocol.TCP, 80), false)
                                    .toByteArray()))
                    .get();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(policyRows(Integer.toString(endpointId)))
                            .containsExactly(new PolicyRow("ingress", 1002, "TCP", 80, false)));

            producer.send(new ProducerRecord<>(
                            policyTopic,
                            "1001",
                            policy(1001, 2, PolicyMapKey.of(0, Direction.EGRESS, IpProtocol.UDP, 53), true)
                                    .toByteArray()))
                    .get();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(policyRows("shop/web-1"))
                            .containsExactly(new PolicyRow("egress", 0, "UDP", 53, true)));

            producer.send(new ProducerRecord<>(endpointsTopic, "shop/web-1", null))
                    .get();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().when()
                            .get("/v1/maps/policy/" + endpointId)
                            .then()
                            .statusCode(404)
                            .contentType("application/problem+json"));
        }
        given().when().get("/v1/maps/endpoints").then().statusCode(200).body("entries", equalTo(0));
        String metrics = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(metrics)
                .contains("tendril_agent_reconcile_changes_total{kind=\"added\",map=\"cilium_policy_v2\"")
                .contains("tendril_agent_map_entries{map=\"cilium_lxc\"}");
    }

    private static List<Entry> ipcache() {
        return List.of(given().when()
                .get("/v1/ipcache")
                .then()
                .statusCode(200)
                .extract()
                .as(Entry[].class));
    }

    private static void awaitIpcacheContains(Entry entry) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(ipcache()).contains(entry));
    }

    private static void awaitIpcache(List<Entry> expected) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(ipcache()).containsExactlyElementsOf(expected));
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }
}
