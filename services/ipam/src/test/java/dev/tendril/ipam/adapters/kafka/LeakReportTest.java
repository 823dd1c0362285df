package dev.tendril.ipam.adapters.kafka;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SharedInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The leak report against endpoints published on {@code tendril.endpoints} as the identity service does. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class LeakReportTest {

    @Test
    void listsAddressesOfPodsWithoutAnEndpointAndConfirmsTheOthers() throws Exception {
        given().contentType(ContentType.JSON)
                .body(Map.of("ips", List.of("192.168.9.1")))
                .put("/v1/nodes/leak-a")
                .then()
                .statusCode(200);
        List<String> withEndpoint = given().contentType(ContentType.JSON)
                .body(Map.of("owner", "demo/a", "uid", "leak-uid-1"))
                .post("/v1/nodes/leak-a/allocations")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getList("ips");
        List<String> leaked = given().contentType(ContentType.JSON)
                .body(Map.of("owner", "demo/b", "uid", "leak-uid-2"))
                .post("/v1/nodes/leak-a/allocations")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getList("ips");

        Properties props = new Properties();
        props.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.kafka().bootstrapServers());
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            Endpoint endpoint = Endpoint.newBuilder()
                    .setNamespace("demo")
                    .setPod("a")
                    .setUid("leak-uid-1")
                    .setNode("leak-a")
                    .setIpv4(withEndpoint.get(0))
                    .setIpv6(withEndpoint.get(1))
                    .setIdentity(300)
                    .build();
            producer.send(new ProducerRecord<>("tendril.endpoints", "demo/a", endpoint.toByteArray()))
                    .get();
            producer.send(new ProducerRecord<>("tendril.endpoints", "demo/garbage", new byte[] {(byte) 0xff, 1}))
                    .get();
        }

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<Map<String, Object>> leaks = List.of();
        boolean confirmed = false;
        while (System.nanoTime() < deadline) {
            var report =
                    given().get("/v1/leaks").then().statusCode(200).extract().jsonPath();
            leaks = report.getList("leaks");
            confirmed = given()
                    .get("/v1/nodes/leak-a/allocations")
                    .then()
                    .extract()
                    .jsonPath()
                    .<Boolean>getList("findAll { it.uid == 'leak-uid-1' }.confirmed")
                    .stream()
                    .allMatch(c -> c);
            boolean seesEndpoint = report.getBoolean("complete") && report.getInt("endpoints") >= 1;
            if (seesEndpoint && confirmed && leaks.stream().noneMatch(l -> "leak-uid-1".equals(l.get("uid")))) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(confirmed).as("endpoint confirmed its pod's addresses").isTrue();
        assertThat(leaks)
                .filteredOn(l -> "leak-a".equals(l.get("node")))
                .extracting(l -> (String) l.get("ip"))
                .containsExactlyInAnyOrderElementsOf(leaked);
        assertThat(leaks)
                .filteredOn(l -> "leak-uid-2".equals(l.get("uid")))
                .extracting(l -> (String) l.get("owner"))
                .containsOnly("demo/b");
    }
}
