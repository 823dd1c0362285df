package dev.tendril.agent.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.SubjectPolicyRevision;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.testing.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.net.ServerSocket;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fetch mode (the default): the agent follows tendril.policy.revisions on a real broker and fetches the maps of its
 * local endpoints' identities from the policy service's {@code PolicyMaps} API, here {@link PolicyMapsServer} on real
 * gRPC answering from maps the test sets (the service's published contract).
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeControlPlane.class)
@TestProfile(PolicyFetchSyncTest.FetchMode.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PolicyFetchSyncTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    public static class FetchMode implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return Map.of(
                    "tendril.agent.sync.enabled", "true",
                    "tendril.agent.sync.identities-topic", "fetch-" + RUN + ".identities",
                    "tendril.agent.sync.endpoints-topic", "fetch-" + RUN + ".endpoints",
                    "tendril.agent.sync.nodes-topic", "fetch-" + RUN + ".nodes",
                    "tendril.agent.sync.policy-topic", "fetch-" + RUN + ".policy",
                    "tendril.agent.sync.policy-revisions-topic", "fetch-" + RUN + ".policy.revisions",
                    "tendril.agent.sync.services-topic", "fetch-" + RUN + ".services",
                    "tendril.agent.policy-url", "localhost:" + port,
                    "tendril.agent.call-timeout", "2s",
                    // The endpoint API allocates from the node's pod CIDR (FakeControlPlane's IPAM).
                    "tendril.agent.register-node", "true");
        }
    }

    // Started by the first test on the port the profile chose: the agent's channel connects when it first calls.
    static PolicyMapsServer server;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "tendril.agent.sync.endpoints-topic")
    String endpointsTopic;

    @ConfigProperty(name = "tendril.agent.sync.policy-revisions-topic")
    String revisionsTopic;

    @ConfigProperty(name = "tendril.agent.policy-url")
    String policyUrl;

    @BeforeEach
    void startServer() throws IOException {
        if (server == null) {
            server = new PolicyMapsServer(Integer.parseInt(policyUrl.substring(policyUrl.lastIndexOf(':') + 1)));
            server.start();
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    @Order(1)
    void fetchesTheMapOfALocalEndpointsIdentityAndNeverOneOfAnIdentityWithoutLocalEndpoint() throws Exception {
        server.put(
                NodeStateSyncTest.policy(2001, 1, PolicyMapKey.of(3001, Direction.INGRESS, IpProtocol.TCP, 80), false));
        server.put(
                NodeStateSyncTest.policy(2002, 1, PolicyMapKey.of(3001, Direction.INGRESS, IpProtocol.TCP, 81), false));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            revision(producer, 2001, 1);
            revision(producer, 2002, 1);
            endpoint(producer, "a", "node-1", "10.0.1.10", 2001);
            endpoint(producer, "b", "node-2", "10.0.2.10", 2002);
        }

        awaitRows("shop/a", new NodeStateSyncTest.PolicyRow("ingress", 3001, "TCP", 80, false));
        assertThat(server.asked()).contains(2001).doesNotContain(2002);
        given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.data.policySource", hasItem("fetch"))
                .body("checks.data.policyFetch", hasItem(containsString("ok")));
        assertThat(metrics())
                .contains("tendril_agent_policy_fetches_total")
                .contains("tendril_agent_policy_fetched_maps_total");
    }

    @Test
    @Order(2)
    void aRevisionBumpFetchesTheMapAgainAndRewritesIt() throws Exception {
        server.put(NodeStateSyncTest.policy(2001, 2, PolicyMapKey.of(0, Direction.EGRESS, IpProtocol.UDP, 53), true));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            revision(producer, 2001, 2);
        }

        awaitRows("shop/a", new NodeStateSyncTest.PolicyRow("egress", 0, "UDP", 53, true));
    }

    @Test
    @Order(3)
    void anAnswerBehindTheWantedRevisionIsAppliedAndAskedForAgain() throws Exception {
        // The replica answering has not read revision 4 yet: it answers 3, then (later) 4.
        server.put(NodeStateSyncTest.policy(
                2001, 3, PolicyMapKey.of(3002, Direction.INGRESS, IpProtocol.TCP, 443), false));
        int before = server.timesAsked(2001);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            revision(producer, 2001, 4);
        }

        awaitRows("shop/a", new NodeStateSyncTest.PolicyRow("ingress", 3002, "TCP", 443, false));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> server.timesAsked(2001) >= before + 3);
        server.put(NodeStateSyncTest.policy(
                2001, 4, PolicyMapKey.of(3003, Direction.INGRESS, IpProtocol.TCP, 8443), false));
        awaitRows("shop/a", new NodeStateSyncTest.PolicyRow("ingress", 3003, "TCP", 8443, false));
        int settled = server.timesAsked(2001);
        // Held at the wanted revision: no more calls for it (a few reconcile rounds later).
        Awaitility.await()
                .pollDelay(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(10))
                .until(() -> server.timesAsked(2001) == settled);
    }

    @Test
    @Order(4)
    void keepsTheMapsWhileThePolicyServiceIsDownReportsItAndRecoversWhenItReturns() throws Exception {
        server.stop();
        server.put(
                NodeStateSyncTest.policy(2003, 1, PolicyMapKey.of(3004, Direction.INGRESS, IpProtocol.TCP, 25), false));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            revision(producer, 2001, 5);
            revision(producer, 2003, 1);
            endpoint(producer, "c", "node-1", "10.0.1.11", 2003);
        }

        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().when()
                        .get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .body("status", equalTo("UP"))
                        .body("checks.data.policyFetch", hasItem(containsString("policy maps not fetched"))));
        assertThat(rows("shop/a"))
                .containsExactly(new NodeStateSyncTest.PolicyRow("ingress", 3003, "TCP", 8443, false));
        assertThat(rows("shop/c")).isEmpty();
        assertThat(metrics()).containsPattern("tendril_agent_policy_fetch_failures_total [1-9]");

        server.put(
                NodeStateSyncTest.policy(2001, 5, PolicyMapKey.of(3005, Direction.INGRESS, IpProtocol.TCP, 22), false));
        server.start();

        awaitRows("shop/c", new NodeStateSyncTest.PolicyRow("ingress", 3004, "TCP", 25, false));
        awaitRows("shop/a", new NodeStateSyncTest.PolicyRow("ingress", 3005, "TCP", 22, false));
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().when()
                        .get("/q/health/ready")
                        .then()
                        .body("checks.data.policyFetch", hasItem(containsString("ok"))));
    }

    @Test
    @Order(5)
    void aSubjectWithoutLocalEndpointIsForgottenAndFetchedAgainForALaterOne() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(endpointsTopic, "shop/c", null)).get();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> readyPolicies() == 1);
        int before = server.timesAsked(2003);

        try (KafkaProducer<String, byte[]> producer = producer()) {
            endpoint(producer, "c2", "node-1", "10.0.1.12", 2003);
        }

        awaitRows("shop/c2", new NodeStateSyncTest.PolicyRow("ingress", 3004, "TCP", 25, false));
        assertThat(server.timesAsked(2003)).isGreaterThan(before);
    }

    @Test
    @Order(6)
    void aRevisionTombstoneRemovesTheMapFromTheImageAndNothingIsFetchedForIt() throws Exception {
        int before = server.timesAsked(2003);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(revisionsTopic, "2003", null)).get();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> readyPolicies() == 1);

        // A new endpoint of the withdrawn subject starts with an empty map (the existing one keeps its content,
        // as with a tombstone on tendril.policy), and the policy service is not asked.
        try (KafkaProducer<String, byte[]> producer = producer()) {
            endpoint(producer, "c3", "node-1", "10.0.1.13", 2003);
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() ->
                        given().when().get("/v1/maps/policy/shop/c3").then().statusCode(200));
        assertThat(rows("shop/c3")).isEmpty();
        assertThat(rows("shop/c2")).containsExactly(new NodeStateSyncTest.PolicyRow("ingress", 3004, "TCP", 25, false));
        assertThat(server.timesAsked(2003)).isEqualTo(before);
        assertThat(server.asked()).doesNotContain(2002);
    }

    @Test
    @Order(7)
    void anEndpointCreatedThroughTheApiGetsItsIdentitysMapFetched() {
        // FakeControlPlane's identity service gives the first label set identity 1000; no topic shows the endpoint.
        server.put(NodeStateSyncTest.policy(
                1000, 1, PolicyMapKey.of(3006, Direction.INGRESS, IpProtocol.TCP, 5432), false));
        given().contentType(ContentType.JSON)
                .body("""
                        {"namespace":"api","pod":"p1","uid":"uid-p1","labels":{"app":"api"}}""")
                .post("/v1/endpoints")
                .then()
                .statusCode(201)
                .body("identity", equalTo(1000));

        awaitRows("api/p1", new NodeStateSyncTest.PolicyRow("ingress", 3006, "TCP", 5432, false));
        assertThat(server.timesAsked(1000)).isPositive();
    }

    private static int readyPolicies() {
        return given().when()
                .get("/q/health/ready")
                .then()
                .extract()
                .jsonPath()
                .getInt("checks.find { it.name == 'agent' }.data.policies");
    }

    private static List<NodeStateSyncTest.PolicyRow> rows(String endpoint) {
        return List.of(given().when()
                .get("/v1/maps/policy/" + endpoint)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("rows", NodeStateSyncTest.PolicyRow.class)
                .toArray(NodeStateSyncTest.PolicyRow[]::new));
    }

    private static void awaitRows(String endpoint, NodeStateSyncTest.PolicyRow row) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(rows(endpoint)).containsExactly(row));
    }

    private static String metrics() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private void revision(KafkaProducer<String, byte[]> producer, int subject, long revision) throws Exception {
        producer.send(new ProducerRecord<>(
                        revisionsTopic,
                        Integer.toString(subject),
                        SubjectPolicyRevision.newBuilder()
                                .setSubject(subject)
                                .setRevision(revision)
                                .build()
                                .toByteArray()))
                .get();
    }

    private void endpoint(KafkaProducer<String, byte[]> producer, String pod, String node, String ip, int identity)
            throws Exception {
        producer.send(new ProducerRecord<>(
                        endpointsTopic,
                        "shop/" + pod,
                        Endpoint.newBuilder()
                                .setNamespace("shop")
                                .setPod(pod)
                                .setUid("uid-" + pod)
                                .setNode(node)
                                .setIpv4(ip)
                                .setIdentity(identity)
                                .build()
                                .toByteArray()))
                .get();
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }
}
