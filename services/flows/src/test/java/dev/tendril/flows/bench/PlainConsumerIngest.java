package dev.tendril.flows.bench;

import dev.tendril.flows.adapters.FlowCodec;
import dev.tendril.flows.domain.FlowStore;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The flows service's ingest before Reactive Messaging, reduced to its loop: one thread, a plain consumer that
 * assigns every partition (no group), polls up to 2,000 records and parses, decodes and inserts each into the
 * rings, as the {@code TopicFollower} of the old {@code FlowsConsumer} did. The benchmarks' baseline.
 */
final class PlainConsumerIngest {

    /** What one pass measured. */
    record Result(long ingested, long elapsedNanos, long cpuNanos) {
        double rate() {
            return ingested / (elapsedNanos / 1e9);
        }
    }

    private PlainConsumerIngest() {}

    /** Reads {@code flows} records of {@code topic} from the beginning of its {@code partitions} into fresh rings. */
    static Result run(String bootstrap, String topic, int partitions, long flows) {
        FlowStore store = new FlowStore(65535);
        FlowCodec codec = new FlowCodec();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(32 * 1024 * 1024));
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024));
        long cpu0 = cpuNanos();
        long start = System.nanoTime();
        long ingested = 0;
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> assigned = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                assigned.add(new TopicPartition(topic, p));
            }
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            while (ingested < flows && System.nanoTime() - start < 300_000_000_000L) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        store.add(codec.decode(record.value(), record.offset(), record.key()), 0);
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new IllegalStateException(e);
                    }
                    ingested++;
                }
            }
        }
        return new Result(ingested, System.nanoTime() - start, cpuNanos() - cpu0);
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
