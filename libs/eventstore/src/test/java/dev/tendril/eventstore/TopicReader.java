package dev.tendril.eventstore;

import dev.tendril.api.v1.EventEnvelope;
import dev.tendril.testing.SharedInfrastructure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic from the beginning with a real consumer, the way an agent bootstraps. */
final class TopicReader {

    private TopicReader() {}

    /** All records of the topic, polling until at least {@code atLeast} arrived or the guard expires. */
    static List<ConsumerRecord<String, byte[]>> readAll(String topic, int atLeast, Duration guard) {
        Map<String, Object> properties = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.kafka().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + guard.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties)) {
            consumer.subscribe(List.of(topic));
            while (records.size() < atLeast && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            // Pick up anything published beyond the expected count (duplicates must be visible to the test).
            consumer.poll(Duration.ofMillis(300)).forEach(records::add);
        }
        return records;
    }

    static List<EventEnvelope> envelopes(String topic, int atLeast) {
        return readAll(topic, atLeast, Duration.ofSeconds(60)).stream()
                .map(record -> {
                    try {
                        return EventEnvelope.parseFrom(record.value());
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new AssertionError("record on " + topic + " is not an EventEnvelope", e);
                    }
                })
                .toList();
    }
}
