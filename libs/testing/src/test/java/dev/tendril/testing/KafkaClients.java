package dev.tendril.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients, so the tests talk to the broker exactly the way services will. */
final class KafkaClients {

    private static final int MAX_POLLS = 100;

    private KafkaClients() {}

    static KafkaProducer<String, String> producer(String bootstrapServers) {
        return new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(),
                new StringSerializer());
    }

    static void send(String bootstrapServers, String topic, String value) throws Exception {
        try (var producer = producer(bootstrapServers)) {
            producer.send(new ProducerRecord<>(topic, value)).get();
        }
    }

    /** Reads the topic from the beginning with a fresh consumer group until {@code count} values arrived. */
    static List<String> readFromBeginning(String bootstrapServers, String topic, int count) {
        var values = new ArrayList<String>();
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "test-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            for (int poll = 0; poll < MAX_POLLS && values.size() < count; poll++) {
                consumer.poll(Duration.ofMillis(200)).forEach(consumed -> values.add(consumed.value()));
            }
        }
        return values;
    }
}
