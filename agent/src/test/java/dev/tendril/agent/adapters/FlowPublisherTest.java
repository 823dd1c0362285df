package dev.tendril.agent.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.LostEvent;
import dev.tendril.api.hubble.flow.LostEventSource;
import dev.tendril.api.hubble.flow.Verdict;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.topics.FlowTopicRecords;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The {@code flows} channel of the agent over a real broker: a flow lands on the flows topic keyed by the node at the
 * flow's time; with more flows than {@code tendril.agent.flows-queue} waiting for the broker, the excess is dropped,
 * counted, and reported on the topic as a LostEvent that adds up with the flows sent; the channel's health is in
 * {@code /q/health}.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@TestProfile(FlowPublisherTest.SmallQueue.class)
class FlowPublisherTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    public static class SmallQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "tendril.agent.flows-topic", "flow-publisher-" + RUN + ".flows", "tendril.agent.flows-queue", "32");
        }
    }

    @Inject
    FlowPublisher publisher;

    @ConfigProperty(name = "tendril.agent.flows-topic")
    String topic;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void publishesAFlowKeyedByItsNodeAtItsTime() throws Exception {
        Instant time = Instant.parse("2026-12-07T01:02:03.456Z");
        long from = end();
        publisher.emit(flow("single", time));
        publisher.flush();

        List<ConsumerRecord<String, byte[]>> records = readFrom(from, 1);
        ConsumerRecord<String, byte[]> record = records.get(0);
        assertThat(record.key()).isEqualTo("node-1");
        assertThat(record.timestamp()).isEqualTo(time.toEpochMilli());
        assertThat(FlowTopicRecords.isLostEvents(record.headers())).isFalse();
        Flow sent = Flow.parseFrom(record.value());
        assertThat(sent.getUuid()).isEqualTo("single");
        assertThat(sent.getNodeName()).isEqualTo("node-1");
    }

    @Test
    void dropsWhatOverflowsItsQueueAndReportsTheCountAsALostEvent() throws Exception {
        long from = end();
        long lostBefore = publisher.lost();
        int burst = 20_000;
        for (int i = 0; i < burst; i++) {
            publisher.emit(flow("burst-" + i, Instant.now()));
        }
        publisher.flush();
        long lost = publisher.lost() - lostBefore;
        assertThat(lost)
                .as("a burst far larger than the queue of 32 overflows it")
                .isPositive();

        long flows = burst - lost;
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            records.clear();
            records.addAll(readAvailable(from));
            assertThat(count(records, false)).isEqualTo(flows);
            assertThat(lostReported(records)).isEqualTo(lost);
        });
        assertThat(metric("tendril_agent_flows_lost_total")).isGreaterThanOrEqualTo(lost);
    }

    @Test
    void reportsTheChannelsLivenessAndLeavesReadinessToTheDatapath() {
        JsonPath live =
                given().get("/q/health/live").then().statusCode(200).extract().jsonPath();
        assertThat(live.getMap("checks.find { it.name == 'SmallRye Reactive Messaging - liveness check' }.data"))
                .containsEntry("flows", "[OK]");
        // Readiness is the datapath's: a broker outage shows as lost flows, not as a node that is not ready.
        given().get("/q/health/ready").then().statusCode(200);
    }

    private static Flow flow(String uuid, Instant time) {
        return Flow.newBuilder()
                .setUuid(uuid)
                .setNodeName("node-1")
                .setTime(
                        Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()))
                .setVerdict(Verdict.FORWARDED)
                .build();
    }

    private static long count(List<ConsumerRecord<String, byte[]>> records, boolean lostEvents) {
        return records.stream()
                .filter(r -> FlowTopicRecords.isLostEvents(r.headers()) == lostEvents)
                .count();
    }

    private static long lostReported(List<ConsumerRecord<String, byte[]>> records)
            throws InvalidProtocolBufferException {
        long sum = 0;
        for (ConsumerRecord<String, byte[]> record : records) {
            if (FlowTopicRecords.isLostEvents(record.headers())) {
                LostEvent event = LostEvent.parseFrom(record.value());
                assertThat(event.getSource()).isEqualTo(LostEventSource.OBSERVER_EVENTS_QUEUE);
                assertThat(record.key()).isEqualTo("node-1");
                sum += event.getNumEventsLost();
            }
        }
        return sum;
    }

    private double metric(String name) {
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines()
                .filter(l -> l.startsWith(name))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** The topic's end (one partition: the broker's default), 0 before it exists. */
    private long end() {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            if (!consumer.listTopics().containsKey(topic)) {
                return 0;
            }
            TopicPartition partition = new TopicPartition(topic, 0);
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    private List<ConsumerRecord<String, byte[]>> readFrom(long from, int atLeast) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            out.clear();
            out.addAll(readAvailable(from));
            return out.size() >= atLeast;
        });
        return out;
    }

    private List<ConsumerRecord<String, byte[]>> readAvailable(long from) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seek(partition, from);
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
