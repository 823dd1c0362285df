package dev.tendril.agent.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Waits for services to have published what they were asked to: a call's answer comes before its event's projection
 * to the topics, so the topics are read back only once their end offsets stood still.
 */
final class TopicsQuiet {

    private static final int QUIET_SECONDS = 3;

    private TopicsQuiet() {}

    /**
     * Until the end offsets of {@code topics} stayed the same for {@value #QUIET_SECONDS} seconds with {@code done}
     * true, or {@code guard} passed.
     */
    static void await(String servers, List<String> topics, BooleanSupplier done, Duration guard) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30))
                        .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            long deadline = System.nanoTime() + guard.toNanos();
            Map<TopicPartition, Long> before = Map.of();
            int quiet = 0;
            while (quiet < QUIET_SECONDS && System.nanoTime() < deadline) {
                Map<TopicPartition, Long> now = consumer.endOffsets(partitions, Duration.ofSeconds(30));
                quiet = now.equals(before) && done.getAsBoolean() ? quiet + 1 : 0;
                before = now;
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            }
        }
    }
}
