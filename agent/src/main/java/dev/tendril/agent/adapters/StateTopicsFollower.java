package dev.tendril.agent.adapters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * The Kafka side of following the state topics, on one thread of its own: assigns every partition and reads
 * from the beginning, without a consumer group (every agent needs every record, and a compacted topic read
 * from the start is the snapshot). A bootstrap reads each partition up to its end offset captured at the
 * start, then the records of every later poll are handed over as a batch. A lost consumer starts a new
 * bootstrap. Every second it asks the broker for the partitions (new ones are read from their beginning) and
 * the end offsets: the lag, and how an unreachable broker shows (polls hide it).
 */
final class StateTopicsFollower {

    /** Where the records go; called on the follower's thread, one call at a time. */
    interface Handler {

        /**
         * A bootstrap starts (before the consumer is created): the records that follow, until {@link #caughtUp},
         * rebuild the image from nothing.
         */
        void bootstrapStarted();

        /** Records of the bootstrap, or (once caught up) one poll's batch. */
        void records(Iterable<ConsumerRecord<String, byte[]>> records, boolean bootstrapping);

        /** Every partition reached the end offset captured when the bootstrap started. */
        void caughtUp();

        /** The broker cannot be reached (or a poll failed); told again on every failure. */
        void unreachable(String problem);

        /** The broker answered a check. */
        void reachable();
    }

    private static final Logger LOG = Logger.getLogger(StateTopicsFollower.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(5);

    private final Set<String> topics;
    private final Properties properties;
    private final String bootstrapServers;
    private final Handler handler;
    private final Map<String, NodeStateConsumer.TopicLag> lag = new ConcurrentHashMap<>();
    private final Map<String, Long> lastRecordTime = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    /**
     * @param overrides Kafka consumer properties over the defaults (benchmarks' tuning runs); none in the agent
     */
    StateTopicsFollower(Set<String> topics, String bootstrapServers, String clientId, Map<String, String> overrides,
                        Handler handler) {
        this.topics = Set.copyOf(topics);
        this.bootstrapServers = bootstrapServers;
        this.handler = handler;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.putAll(overrides);
        this.properties = p;
    }

    void start(String threadName) {
        thread = Thread.ofPlatform().name(threadName).daemon().start(this::run);
    }

    void stop() {
        stopping = true;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    boolean stopping() {
        return stopping;
    }

    /** The lag of a followed topic as of the last check. */
    NodeStateConsumer.TopicLag lag(String topic) {
        return lag.getOrDefault(topic, NodeStateConsumer.TopicLag.NONE);
    }

    private void run() {
        while (!stopping) {
            handler.bootstrapStarted();
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(properties)) {
                consumer = c;
                bootstrap(c);
                follow(c);
            } catch (WakeupException e) {
                if (stopping) {
                    return;
                }
            } catch (KafkaException e) {
                unreachable(e);
                sleep(Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                LOG.error("state topic consumer failed; retrying, maps keep their last content", e);
                unreachable(e);
                sleep(Duration.ofSeconds(1));
            } finally {
                consumer = null;
            }
        }
    }

    /**
     * Reads every partition from its beginning up to the end offsets captured now. Also after a lost
     * consumer: the fresh image is the truth, so an update missed meanwhile is still applied.
     */
    private void bootstrap(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> parts = partitions(c);
        c.assign(parts);
        c.seekToBeginning(parts);
        Map<TopicPartition, Long> end = c.endOffsets(parts, KAFKA_TIMEOUT);
        while (!stopping && !reached(c, end)) {
            handOver(c.poll(POLL), true);
        }
        if (!stopping) {
            handler.caughtUp();
        }
    }

    private void follow(KafkaConsumer<String, byte[]> c) {
        long nextCheck = System.nanoTime() + CHECK_EVERY.toNanos();
        while (!stopping) {
            if (c.assignment().isEmpty()) {
                // None of the topics exists yet; poll() refuses an empty assignment.
                sleep(POLL);
            } else {
                handOver(c.poll(POLL), false);
            }
            if (System.nanoTime() - nextCheck > 0) {
                nextCheck = System.nanoTime() + CHECK_EVERY.toNanos();
                check(c);
            }
        }
    }

    private void handOver(ConsumerRecords<String, byte[]> batch, boolean bootstrapping) {
        if (batch.isEmpty()) {
            return;
        }
        for (ConsumerRecord<String, byte[]> r : batch) {
            lastRecordTime.put(r.topic(), r.timestamp());
        }
        handler.records(batch, bootstrapping);
    }

    /** Picks up partitions of topics that did not exist yet (read from their beginning) and the lag. */
    private void check(KafkaConsumer<String, byte[]> c) {
        try {
            Set<TopicPartition> now = new HashSet<>(partitions(c));
            Set<TopicPartition> assigned = c.assignment();
            if (!assigned.containsAll(now)) {
                List<TopicPartition> added = now.stream().filter(p -> !assigned.contains(p)).toList();
                List<TopicPartition> all = new ArrayList<>(assigned);
                all.addAll(added);
                c.assign(all);
                c.seekToBeginning(added);
                LOG.infof("following new partitions %s", added);
            }
            updateLag(c, c.endOffsets(now, KAFKA_TIMEOUT));
            handler.reachable();
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            unreachable(e);
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> out = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = c.partitionsFor(topic, KAFKA_TIMEOUT);
            if (infos != null) {
                infos.forEach(i -> out.add(new TopicPartition(i.topic(), i.partition())));
            }
        }
        return out;
    }

    private static boolean reached(KafkaConsumer<String, byte[]> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey(), KAFKA_TIMEOUT) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void updateLag(KafkaConsumer<String, byte[]> c, Map<TopicPartition, Long> end) {
        Map<String, Long> behind = new HashMap<>();
        Set<TopicPartition> assigned = c.assignment();
        end.forEach((tp, offset) -> {
            long position = assigned.contains(tp) ? c.position(tp, KAFKA_TIMEOUT) : 0;
            behind.merge(tp.topic(), Math.max(0, offset - position), Long::sum);
        });
        long now = System.currentTimeMillis();
        behind.forEach((topic, records) -> {
            Long last = lastRecordTime.get(topic);
            double seconds = records == 0 || last == null ? 0 : Math.max(0, now - last) / 1000.0;
            lag.put(topic, new NodeStateConsumer.TopicLag(records, seconds));
        });
    }

    private void unreachable(Exception e) {
        handler.unreachable("Kafka unreachable at " + bootstrapServers + ": " + e);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
