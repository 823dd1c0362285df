package dev.tendril.identity.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.testing.CompactedTopic;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Input that could not be projected is refused at the edge: no event is appended, so nothing can stall
 * the outbox relay, and a valid endpoint registered after the refusals still reaches tendril.endpoints.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class PoisonInputTest {

    @Test
    void aValidEndpointReachesTheTopicAfterPoisonousRequestsWereRefused() {
        String ns = "poison-" + UUID.randomUUID().toString().substring(0, 8);
        RestApiTest.putNamespace(ns, Map.of());
        Map<String, Object> nullLabelValue = new HashMap<>();
        nullLabelValue.put("app", null);
        List<Map<String, Object>> poisons = new java.util.ArrayList<>();
        poisons.add(body("10.86.0.1", nullLabelValue, List.of()));
        poisons.add(body("10.86.0.2", Map.of("app", "p"), java.util.Collections.singletonList(null)));
        Map<String, Object> nullIp = body(null, Map.of("app", "p"), List.of());
        nullIp.put("ips", java.util.Collections.singletonList(null));
        poisons.add(nullIp);
        Map<String, Object> nameless = new HashMap<>();
        nameless.put("port", 80);
        poisons.add(body("10.86.0.3", Map.of("app", "p"), List.of(nameless)));

        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < poisons.size(); i++) {
            statuses.add(given().contentType(ContentType.JSON)
                    .body(poisons.get(i))
                    .put("/v1/endpoints/" + ns + "/p" + i)
                    .then()
                    .extract()
                    .statusCode());
        }
        given().contentType(ContentType.JSON)
                .body(body("10.86.0.9", Map.of("app", "good"), List.of()))
                .put("/v1/endpoints/" + ns + "/good")
                .then()
                .statusCode(200);

        String goodKey = ns + "/good";
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> CompactedTopic.read("tendril.endpoints").containsKey(goodKey));
        Map<String, byte[]> topic = CompactedTopic.read("tendril.endpoints");
        assertThat(statuses).as("status of each poisonous request").containsOnly(400);
        assertThat(topic.keySet()).filteredOn(k -> k.startsWith(ns + "/")).containsExactly(goodKey);
        assertThat(parse(topic.get(goodKey)).getLabelsMap()).containsEntry("app", "good");
    }

    private static Map<String, Object> body(String ip, Map<String, Object> labels, List<?> namedPorts) {
        Map<String, Object> body = new HashMap<>();
        body.put("uid", UUID.randomUUID().toString());
        body.put("node", "node-1");
        body.put("ips", ip == null ? List.of() : List.of(ip));
        body.put("labels", labels);
        body.put("namedPorts", namedPorts);
        return body;
    }

    private static Endpoint parse(byte[] value) {
        try {
            return Endpoint.parseFrom(value);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
