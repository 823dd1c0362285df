package dev.tendril.identity.adapters;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.tendril.api.v1.Node;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SharedInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * With {@code tendril.identity.nodes.require-registered}: endpoints only on nodes IPAM published on
 * tendril.nodes (real Kafka; the test plays IPAM), never with a node's own address.
 */
@QuarkusTest
@TestProfile(NodeRegistrationTest.RequireRegisteredNodes.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class NodeRegistrationTest {

    public static class RequireRegisteredNodes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "tendril.identity.nodes.require-registered", "true", "tendril.identity.nodes.catch-up", "10s");
        }
    }

    @Test
    void admitsEndpointsOnlyOnRegisteredNodesAndNeverWithANodesOwnAddress() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String ns = "nodes-" + suffix;
        String node = "node-" + suffix;
        RestApiTest.putNamespace(ns, Map.of());

        put(ns, "early", node, "10.87.1.5")
                .statusCode(422)
                .contentType("application/problem+json")
                .body("field", equalTo("node"))
                .body("detail", containsString("not registered"));

        // Published just now: the registration waits for the view to catch up, no retry needed.
        publish(
                node,
                Node.newBuilder()
                        .setName(node)
                        .addIps("192.168.87.10")
                        .addPodCidrs("10.87.1.0/24")
                        .addRouterIps("10.87.1.1")
                        .build()
                        .toByteArray());
        put(ns, "web", node, "10.87.1.5").statusCode(200).body("node", equalTo(node));
        put(ns, "hijack", node, "192.168.87.10")
                .statusCode(409)
                .body("field", equalTo("ips"))
                .body("detail", containsString(node));
        put(ns, "router", node, "10.87.1.1").statusCode(409).body("field", equalTo("ips"));

        publish(node, null);
        put(ns, "late", node, "10.87.1.6").statusCode(422).body("field", equalTo("node"));
        given().queryParam("namespace", ns).get("/v1/endpoints").then().body("$", hasSize(1));
    }

    private static io.restassured.response.ValidatableResponse put(String ns, String pod, String node, String ip) {
        return given().contentType(ContentType.JSON)
                .body(Map.of(
                        "uid",
                        UUID.randomUUID().toString(),
                        "node",
                        node,
                        "ips",
                        List.of(ip),
                        "labels",
                        Map.of("app", pod)))
                .put("/v1/endpoints/" + ns + "/" + pod)
                .then();
    }

    private static void publish(String key, byte[] value) throws Exception {
        Properties props = new Properties();
        props.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.kafka().bootstrapServers());
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("tendril.nodes", key, value)).get();
        }
    }
}
