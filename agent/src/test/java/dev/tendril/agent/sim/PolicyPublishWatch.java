package dev.tendril.agent.sim;

import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What the policy service publishes during a churn run, read from its topic as it lands: the records and their bytes,
 * and per policy change {@code j} the time from the change's PUT to the moment the last of its subjects' maps with
 * the change's port ({@link ChurnMarks#changePort}) is on the topic, the service's recompute and publish time.
 */
final class PolicyPublishWatch implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final LongUnaryOperator nodesWithPodsOf;
    /** Per change still incomplete: its PUT's start (nanoTime) and its subjects not yet published with its port. */
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();

    private final LatencyHistogram recompute = new LatencyHistogram();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong bytesNeeded = new AtomicLong();
    private volatile boolean counting;

    private record Pending(long startNanos, Set<Long> subjects) {}

    /**
     * Follows {@code topic} from its end now. {@code nodesWithPodsOf}: the nodes running a pod of an identity now (the
     * agents that need its map).
     */
    PolicyPublishWatch(String servers, String topic, LongUnaryOperator nodesWithPodsOf) {
        this.nodesWithPodsOf = nodesWithPodsOf;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "tendril-churn-policy-watch");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(topic, Duration.ofSeconds(30))
                .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // the end now, not at the first poll
        thread = Thread.ofPlatform().daemon().name("policy-publish-watch").start(this::run);
    }

    /** From now on records and bytes count (the churn's, not the seed's). */
    void startCounting() {
        counting = true;
    }

    /** Before change {@code j}'s PUT: its subjects, which its port's first record of each completes. */
    void expect(int j, Set<Long> subjects) {
        pending.put(j, new Pending(System.nanoTime(), ConcurrentHashMap.newKeySet()));
        pending.get(j).subjects().addAll(subjects);
    }

    /** Changes whose subjects did not all get their port on the topic (yet). */
    int incomplete() {
        return pending.size();
    }

    LatencyHistogram recompute() {
        return recompute;
    }

    long records() {
        return records.get();
    }

    long bytes() {
        return bytes.get();
    }

    long bytesNeeded() {
        return bytesNeeded.get();
    }

    private void run() {
        try {
            while (true) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    seen(r);
                }
            }
        } catch (WakeupException closing) {
            // close()
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void seen(ConsumerRecord<String, byte[]> r) {
        long now = System.nanoTime();
        if (r.value() == null) {
            return;
        }
        SubjectPolicyMap map;
        try {
            map = SubjectPolicyMap.parseFrom(r.value());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("not a SubjectPolicyMap on the policy topic: " + r.key(), e);
        }
        if (counting) {
            records.incrementAndGet();
            bytes.addAndGet(r.value().length);
            bytesNeeded.addAndGet(r.value().length * nodesWithPodsOf.applyAsLong(map.getSubject()));
        }
        for (PolicyMapEntry e : map.getEntriesList()) {
            int j = ChurnMarks.changeOf(e.getKey().toByteArray());
            Pending p = j < 0 ? null : pending.get(j);
            if (p != null
                    && p.subjects().remove((long) map.getSubject())
                    && p.subjects().isEmpty()) {
                pending.remove(j);
                // LatencyHistogram counts microseconds.
                recompute.record((now - p.startNanos()) / 1000);
            }
        }
    }

    @Override
    public void close() {
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
