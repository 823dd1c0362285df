package dev.tendril.topics;

import dev.tendril.testing.SharedInfrastructure;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Compacted topics on the shared test broker, and records written to them as a service's relay would. */
final class TestTopics implements AutoCloseable {

    private final KafkaProducer<String, String> producer;

    TestTopics() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    static String bootstrap() {
        return SharedInfrastructure.kafka().bootstrapServers();
    }

    static String freshName() {
        return "test.topics." + UUID.randomUUID();
    }

    /** A new compacted topic with {@code partitions} partitions. */
    static String create(int partitions) {
        return createNamed(freshName(), partitions);
    }

    static String createNamed(String topic, int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(
                            new NewTopic(topic, partitions, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create " + topic, e);
        }
        return topic;
    }

    static void addPartitions(String topic, int total) {
        try (Admin admin = admin()) {
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(total)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot add partitions to " + topic, e);
        }
    }

    /** Sends and waits for the broker's acknowledgement; a null value is a tombstone. */
    void send(String topic, int partition, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, partition, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    }

    @Override
    public void close() {
        producer.close();
    }
}
