package dev.tendril.ipam.adapters.kafka;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.Node;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SharedInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** {@code tendril.nodes} read from the beginning gives every node's latest value, tombstones for removed ones. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class NodesTopicTest {

    @Test
    void aConsumerReadingFromTheStartGetsEveryNodesLatestValue() throws Exception {
        List<String> cidrs = given().contentType(ContentType.JSON)
                .body(Map.of("ips", List.of("192.168.7.1")))
                .put("/v1/nodes/topic-a")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("podCIDRs");
        given().contentType(ContentType.JSON)
                .body(Map.of("ips", List.of("192.168.7.2", "fd10::2")))
                .put("/v1/nodes/topic-a")
                .then()
                .statusCode(200);
        given().contentType(ContentType.JSON)
                .body(Map.of("ips", List.of("192.168.7.3")))
                .put("/v1/nodes/topic-b")
                .then()
                .statusCode(200);
        given().delete("/v1/nodes/topic-b").then().statusCode(204);

        Map<String, byte[]> latest = new HashMap<>();
        Properties props = new Properties();
        props.put(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.kafka().bootstrapServers());
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("tendril.nodes").stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && !(done(latest))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    latest.put(record.key(), record.value());
                }
            }
        }
        assertThat(done(latest))
                .as("saw topic-a updated and topic-b tombstoned: %s", latest.keySet())
                .isTrue();
        Node a = Node.parseFrom(latest.get("topic-a"));
        assertThat(a.getName()).isEqualTo("topic-a");
        assertThat(a.getIpsList()).containsExactly("192.168.7.2", "fd10::2");
        assertThat(a.getPodCidrsList()).isEqualTo(cidrs);
        assertThat(a.getCluster()).isEqualTo("default");
        assertThat(a.getRouterIpsList()).hasSize(2);
        assertThat(latest.get("topic-b")).isNull();
    }

    private static boolean done(Map<String, byte[]> latest) {
        try {
            return latest.containsKey("topic-b")
                    && latest.get("topic-b") == null
                    && latest.get("topic-a") != null
                    && Node.parseFrom(latest.get("topic-a")).getIpsCount() == 2;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }
}
