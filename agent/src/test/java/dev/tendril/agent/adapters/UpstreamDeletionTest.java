package dev.tendril.agent.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.IpamGrpc;
import dev.tendril.api.v1.ReleasePodRequest;
import dev.tendril.testing.KafkaTestResource;
import io.grpc.ManagedChannel;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
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
import org.junit.jupiter.api.Test;

/**
 * An endpoint created through the agent's API and then deleted at the identity service (its tombstone on
 * tendril.endpoints, a real broker) loses its cilium_lxc entries, policy map, endpoint id and addresses;
 * an endpoint still being created (not on the topic yet) keeps everything. IPAM and the identity service
 * are {@link FakeControlPlane} over real gRPC; the test publishes the identity service's records.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeControlPlane.class)
@TestProfile(UpstreamDeletionTest.SyncAndRegister.class)
class UpstreamDeletionTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    public static class SyncAndRegister implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "tendril.agent.register-node",
                    "true",
                    "tendril.agent.sync.enabled",
                    "true",
                    // This test publishes tendril.policy's records: the agent follows that topic.
                    "tendril.agent.sync.policy-source",
                    "topic",
                    "tendril.agent.sync.identities-topic",
                    "upstream-" + RUN + ".identities",
                    "tendril.agent.sync.endpoints-topic",
                    "upstream-" + RUN + ".endpoints",
                    "tendril.agent.sync.nodes-topic",
                    "upstream-" + RUN + ".nodes",
                    "tendril.agent.sync.policy-topic",
                    "upstream-" + RUN + ".policy");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "tendril.agent.sync.endpoints-topic")
    String endpointsTopic;

    @ConfigProperty(name = "tendril.agent.ipam-url")
    String controlPlane;

    static String body(String pod, String uid) {
        return "{\"namespace\":\"shop\",\"pod\":\"" + pod + "\",\"uid\":\"" + uid + "\",\"labels\":{\"app\":\"web\"}}";
    }

    @Test
    void anEndpointDeletedAtTheIdentityServiceLosesItsMapsIdAndAddresses() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            // Another node's endpoint creates the topic; the agent bootstraps from it.
            producer.send(new ProducerRecord<>(
                            endpointsTopic,
                            "shop/elsewhere",
                            Endpoint.newBuilder()
                                    .setNamespace("shop")
                                    .setPod("elsewhere")
                                    .setUid("u-else")
                                    .setNode("node-9")
                                    .setIpv4("10.0.9.2")
                                    .setIdentity(1000)
                                    .build()
                                    .toByteArray()))
                    .get();
            Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                given().get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .body("checks.data.ipam", hasItem(startsWith("registered [10.0.1.0/24")));
                given().contentType(ContentType.JSON)
                        .body(body("web-1", "uid-web-1"))
                        .post("/v1/endpoints")
                        .then()
                        .statusCode(org.hamcrest.Matchers.oneOf(200, 201));
            });
            Map<String, Object> web1 = given().get("/v1/endpoints")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath()
                    .getMap("find { it.pod == 'web-1' }");
            int web1Id = (Integer) web1.get("endpointId");
            // The identity service publishes web-1; web-2 is being created and not on the topic yet.
            producer.send(new ProducerRecord<>(
                            endpointsTopic,
                            "shop/web-1",
                            Endpoint.newBuilder()
                                    .setNamespace("shop")
                                    .setPod("web-1")
                                    .setUid("uid-web-1")
                                    .setNode("node-1")
                                    .setIpv4((String) web1.get("ipv4"))
                                    .setIpv6((String) web1.get("ipv6"))
                                    .setIdentity(1000)
                                    .build()
                                    .toByteArray()))
                    .get();
            given().contentType(ContentType.JSON)
                    .body(body("web-2", "uid-web-2"))
                    .post("/v1/endpoints")
                    .then()
                    .statusCode(201);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(lxcIps()).contains((String) web1.get("ipv4")));
            given().get("/v1/maps/policy/" + web1Id).then().statusCode(200);

            // Deleted at the identity service: its tombstone.
            producer.send(new ProducerRecord<>(endpointsTopic, "shop/web-1", null))
                    .get();

            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(pods()).containsExactly("web-2");
                assertThat(lxcIps())
                        .doesNotContain((String) web1.get("ipv4"), (String) web1.get("ipv6"))
                        .hasSize(2);
                given().get("/v1/maps/policy/" + web1Id).then().statusCode(404);
            });
            // Its endpoint id is free again (so the deletion finished, after the addresses were released).
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().contentType(ContentType.JSON)
                            .body(body("web-3", "uid-web-3"))
                            .post("/v1/endpoints")
                            .then()
                            .statusCode(201)
                            .body("endpointId", org.hamcrest.Matchers.equalTo(web1Id)));
            assertThat(releasePod("uid-web-1"))
                    .as("already released by the agent")
                    .isEmpty();
            assertThat(releasePod("uid-web-2")).as("still held").hasSize(2);
        }
    }

    private List<String> releasePod(String uid) {
        ManagedChannel c = GrpcClients.channel(controlPlane);
        try {
            return IpamGrpc.newBlockingStub(c)
                    .releasePod(ReleasePodRequest.newBuilder()
                            .setNode("node-1")
                            .setUid(uid)
                            .build())
                    .getReleasedList();
        } finally {
            c.shutdownNow();
        }
    }

    private static List<String> pods() {
        return given().get("/v1/endpoints")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("pod");
    }

    private static List<String> lxcIps() {
        return given().get("/v1/maps/endpoints")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("rows.ip");
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }
}
