package dev.tendril.flows.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.flows.adapters.FlowCodec;
import dev.tendril.flows.adapters.FlowMetrics;
import dev.tendril.flows.adapters.FlowsConfig;
import dev.tendril.flows.domain.FlowStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Fills the rings from {@code tendril.flows}: every replica reads all partitions itself (no consumer
 * group), starting one ring's worth of records before each partition's end so the rings are warm after
 * a restart; older flows are served by {@link FlowHistory}. Creates the topic (time-based retention)
 * when it does not exist. A record that does not parse is logged, counted in
 * {@code tendril_flows_bad_records_total} and skipped.
 */
@ApplicationScoped
public class FlowsConsumer {

    private static final Logger LOG = Logger.getLogger(FlowsConsumer.class);

    @Inject
    FlowsConfig config;

    @Inject
    FlowStore store;

    @Inject
    FlowMetrics metrics;

    @Inject
    MeterRegistry meters;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "127.0.0.1:9092")
    String bootstrapServers;

    private final FlowCodec codec = new FlowCodec();
    private final AtomicLong seen = new AtomicLong();
    private final Map<Integer, Long> positions = new ConcurrentHashMap<>();
    private final Map<String, Integer> partitionOfNode = new ConcurrentHashMap<>();
    private final long startNanos = System.nanoTime();
    private volatile boolean running;
    private volatile boolean caughtUp;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Counter badRecords;

    void onStart(@Observes StartupEvent event) {
        badRecords = meters.counter("tendril_flows_bad_records_total");
        metrics.registerLost();
        running = true;
        Thread.ofPlatform().name("flows-ingest").daemon().start(this::run);
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }

    public long seenFlows() {
        return seen.get();
    }

    public long uptimeNanos() {
        return System.nanoTime() - startNanos;
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    /** Next offset to ingest per partition: everything before it is in the rings (or older than them). */
    public Map<Integer, Long> positions() {
        return new HashMap<>(positions);
    }

    public Integer partitionOf(String node) {
        return partitionOfNode.get(node);
    }

    private void run() {
        while (running) {
            try {
                consume();
            } catch (WakeupException stop) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("flow ingest failed, restarting in 1 s: %s", e.toString());
                sleep(1000);
            }
        }
    }

    private void consume() {
        ensureTopic();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(32 * 1024 * 1024));
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024));
        try (KafkaConsumer<String, byte[]> kafka = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = kafka;
            String topic = config.topic();
            List<PartitionInfo> infos = kafka.partitionsFor(topic, Duration.ofSeconds(10));
            while (running && (infos == null || infos.isEmpty())) {
                sleep(1000);
                infos = kafka.partitionsFor(topic, Duration.ofSeconds(10));
            }
            List<TopicPartition> assigned = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            kafka.assign(assigned);
            Map<TopicPartition, Long> begin = kafka.beginningOffsets(assigned);
            Map<TopicPartition, Long> end = kafka.endOffsets(assigned);
            for (TopicPartition tp : assigned) {
                long from = Math.max(begin.get(tp), end.get(tp) - config.ringCapacity());
                kafka.seek(tp, from);
                positions.put(tp.partition(), from);
            }
            while (running) {
                var records = kafka.poll(Duration.ofMillis(200));
                long now = System.currentTimeMillis();
                for (ConsumerRecord<String, byte[]> record : records) {
                    ingest(record, now);
                }
                for (TopicPartition tp : records.partitions()) {
                    positions.put(tp.partition(), kafka.position(tp));
                }
                if (!caughtUp && assigned.stream().allMatch(tp -> kafka.position(tp) >= end.get(tp))) {
                    caughtUp = true;
                    LOG.infof("flow rings caught up with %s: %d flows", topic, seen.get());
                }
            }
        }
    }

    private void ingest(ConsumerRecord<String, byte[]> record, long nowMillis) {
        if (record.value() == null) {
            return;
        }
        Flow flow;
        try {
            flow = Flow.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            badRecords.increment();
            LOG.warnf("skipping unreadable flow record at %s-%d@%d: %s", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return;
        }
        metrics.record(flow);
        var stored = codec.decode(flow, record.value(), record.offset(), record.key());
        if (!partitionOfNode.containsKey(stored.node)) {
            partitionOfNode.put(stored.node, record.partition());
        }
        store.add(stored, nowMillis);
        seen.incrementAndGet();
    }

    private void ensureTopic() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(props)) {
            if (admin.listTopics().names().get().contains(config.topic())) {
                return;
            }
            NewTopic topic = new NewTopic(config.topic(), config.partitions(), config.replicationFactor()).configs(Map.of(
                    "cleanup.policy", "delete", "retention.ms", Long.toString(config.retention().toMillis())));
            admin.createTopics(List.of(topic)).all().get();
            LOG.infof("created topic %s (%d partitions, retention %s)", config.topic(), config.partitions(), config.retention());
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create " + config.topic(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
