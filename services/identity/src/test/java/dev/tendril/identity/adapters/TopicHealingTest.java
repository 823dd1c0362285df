package dev.tendril.identity.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.testing.CompactedTopic;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A tombstone written straight to {@code tendril.endpoints} for a live pod (issue 12, item 6) once
 * removed it from every agent for good. The relay's audit now republishes it.
 */
@QuarkusTest
@TestProfile(TopicHealingTest.FrequentAudit.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class TopicHealingTest {

    public static class FrequentAudit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tendril.eventstore.relay.audit-interval", "1s");
        }
    }

    @Test
    void aLivePodTombstonedFromOutsideComesBackToTheEndpointsTopic() throws Exception {
        String namespace = "heal-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", Map.of()))
                .put("/v1/namespaces/" + namespace)
                .then()
                .statusCode(200);
        given().contentType(ContentType.JSON)
                .body(Map.of(
                        "uid",
                        UUID.randomUUID().toString(),
                        "node",
                        "node-1",
                        "ips",
                        List.of("10.0.7.9"),
                        "labels",
                        Map.of("app", "heal")))
                .put("/v1/endpoints/" + namespace + "/web")
                .then()
                .statusCode(200);
        String key = namespace + "/web";
        await().atMost(Duration.ofSeconds(60))
                .until(() -> CompactedTopic.read("tendril.endpoints").containsKey(key));
        byte[] published = CompactedTopic.read("tendril.endpoints").get(key);

        CompactedTopic.write("tendril.endpoints", key, null);
        CompactedTopic.write(
                "tendril.endpoints",
                namespace + "/ghost",
                Endpoint.newBuilder()
                        .setNamespace(namespace)
                        .setPod("ghost")
                        .build()
                        .toByteArray());

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Map<String, byte[]> topic = CompactedTopic.read("tendril.endpoints");
            assertThat(topic).containsKey(key).doesNotContainKey(namespace + "/ghost");
            assertThat(topic.get(key)).isEqualTo(published);
        });
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.containsString("tendril_state_topic_repairs_total"));
    }
}
