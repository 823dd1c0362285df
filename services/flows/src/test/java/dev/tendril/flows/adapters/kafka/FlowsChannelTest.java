package dev.tendril.flows.adapters.kafka;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.LostEvent;
import dev.tendril.api.hubble.flow.LostEventSource;
import dev.tendril.flows.adapters.FlowBytes;
import dev.tendril.flows.adapters.FlowProducer;
import dev.tendril.flows.adapters.HubbleFlows;
import dev.tendril.flows.domain.FlowRing;
import dev.tendril.flows.domain.FlowStore;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.topics.FlowTopicRecords;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The {@code flows} channel end to end over the real broker: records as an agent's {@code FlowPublisher} sends them
 * (key node, record time = flow time; a LostEvent with its header after the agent's queue overflowed) reach the
 * rings and the status, and the channel's health is in {@code /q/health}.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class FlowsChannelTest {

    @Inject
    FlowStore store;

    @Inject
    FlowsConsumer ingest;

    @Test
    void aFlowAnAgentPublishesArrivesInItsNodesRing() {
        Flow flow = HubbleFlows.forwarded(
                        Instant.now(),
                        "channel-node-1",
                        HubbleFlows.pod("channel", "web-1", 5001, "web"),
                        "10.9.0.1",
                        40000,
                        HubbleFlows.pod("channel", "db-1", 5002, "db"),
                        "10.9.0.2",
                        5432)
                .build();
        try (FlowProducer producer = new FlowProducer()) {
            producer.send(List.of(flow));
        }

        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            FlowRing ring = store.rings().stream()
                    .filter(r -> r.node().equals("channel-node-1"))
                    .findFirst()
                    .orElseThrow();
            assertThat(ring.written()).isEqualTo(1);
        });
        assertThat(ingest.caughtUp()).isTrue();
        assertThat(ingest.partitionOf("channel-node-1")).isNotNull();
    }

    @Test
    void countsTheFlowsAnAgentLostAndShowsThemInTheStatus() {
        long seenBefore = ingest.seenFlows();
        long lostBefore = given().get("/v1/status")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getLong("lostEvents");
        double metricBefore = lostMetric();

        sendLostEvents("channel-node-2", 17);
        sendLostEvents("channel-node-3", 5);

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(given().get("/v1/status")
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .getLong("lostEvents"))
                        .isEqualTo(lostBefore + 22));
        assertThat(lostMetric()).isEqualTo(metricBefore + 22);
        // A LostEvent is not a flow: no ring for those nodes, nothing seen.
        assertThat(store.rings()).noneMatch(r -> r.node().startsWith("channel-node-2"));
        assertThat(ingest.seenFlows()).isEqualTo(seenBefore);
    }

    @Test
    void skipsAndCountsRecordsThatDoNotParseAndGoesOn() throws Exception {
        double badBefore = metric("tendril_flows_bad_records_total");
        Flow good = HubbleFlows.forwarded(
                        Instant.now(),
                        "channel-node-4",
                        HubbleFlows.pod("channel", "web-4", 5004, "web"),
                        "10.9.0.4",
                        40000,
                        HubbleFlows.pod("channel", "db-4", 5005, "db"),
                        "10.9.0.5",
                        5432)
                .build();
        byte[] bytes = good.toByteArray();
        // Cut inside the source endpoint: its length says more bytes than there are.
        byte[] truncated = Arrays.copyOf(bytes, (int) (FlowBytes.parse(bytes).source() >>> 32) + 1);
        // A source endpoint (field 8) whose pod name (field 5) is not UTF-8: the ingest does not parse endpoints it
        // knows by their bytes, but this one it has never seen, so it is parsed and refused like the whole flow.
        byte[] noSource = good.toBuilder().clearSource().build().toByteArray();
        byte[] badSource = Arrays.copyOf(noSource, noSource.length + 5);
        System.arraycopy(new byte[] {0x42, 0x03, 0x2A, 0x01, (byte) 0xFF}, 0, badSource, noSource.length, 5);
        Properties props = new Properties();
        props.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        String topic = ConfigProvider.getConfig().getValue("tendril.flows.topic", String.class);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (byte[] value : List.of(truncated, badSource, bytes)) {
                producer.send(new ProducerRecord<>(topic, "channel-node-4", value));
            }
            producer.flush();
        }

        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(store.rings().stream()
                                .filter(r -> r.node().equals("channel-node-4"))
                                .findFirst()
                                .orElseThrow()
                                .written())
                        .isEqualTo(1));
        assertThat(metric("tendril_flows_bad_records_total")).isEqualTo(badBefore + 2);
    }

    @Test
    void reportsTheChannelsHealth() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonPath ready = given().get("/q/health/ready").then().extract().jsonPath();
            assertThat(ready.getString("status")).isEqualTo("UP");
            assertThat(ready.getList("checks.name")).contains("flows-ingest");
            assertThat(ready.getMap("checks.find { it.name == 'SmallRye Reactive Messaging - readiness check' }.data"))
                    .containsKey("flows");
        });
        JsonPath live =
                given().get("/q/health/live").then().statusCode(200).extract().jsonPath();
        assertThat(live.getMap("checks.find { it.name == 'SmallRye Reactive Messaging - liveness check' }.data"))
                .containsEntry("flows", "[OK]");
    }

    private static double lostMetric() {
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines()
                .filter(l ->
                        l.startsWith("hubble_lost_events_total{") && l.contains("source=\"observer_events_queue\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static double metric(String name) {
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static void sendLostEvents(String node, long count) {
        Properties props = new Properties();
        props.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        String topic = ConfigProvider.getConfig().getValue("tendril.flows.topic", String.class);
        RecordHeaders headers = new RecordHeaders();
        headers.add(FlowTopicRecords.LOST_EVENTS_HEADER, new byte[0]);
        byte[] event = LostEvent.newBuilder()
                .setSource(LostEventSource.OBSERVER_EVENTS_QUEUE)
                .setNumEventsLost(count)
                .build()
                .toByteArray();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(), node, event, headers));
            producer.flush();
        }
    }
}
