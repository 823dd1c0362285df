package dev.tendril.flows.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.flows.adapters.FlowCodec;
import dev.tendril.flows.adapters.FlowMetrics;
import dev.tendril.flows.adapters.FlowsConfig;
import dev.tendril.flows.domain.FlowStore;
import dev.tendril.topics.Batch;
import dev.tendril.topics.FollowerHandler;
import dev.tendril.topics.FollowerStatus;
import dev.tendril.topics.KafkaClientSettings;
import dev.tendril.topics.RejectedRecord;
import dev.tendril.topics.StartPosition;
import dev.tendril.topics.TopicFollower;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Fills the rings from {@code tendril.flows} with a {@link TopicFollower}: every replica reads all
 * partitions itself (no consumer group), starting one ring's worth of records before each partition's end
 * so the rings are warm after a restart; older flows are served by {@link FlowHistory}. Creates the topic
 * (time-based retention) when it does not exist, before following it. A record that does not parse is
 * logged, counted in {@code tendril_flows_bad_records_total} and skipped.
 */
@ApplicationScoped
public class FlowsConsumer implements FollowerHandler<String, byte[]> {

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
    private final Map<String, Integer> partitionOfNode = new ConcurrentHashMap<>();
    private final long startNanos = System.nanoTime();
    private volatile TopicFollower<String, byte[]> follower;
    private Counter badRecords;

    void onStart(@Observes StartupEvent event) {
        badRecords = meters.counter("tendril_flows_bad_records_total");
        metrics.registerLost();
        // Large polls: the ingest decodes and inserts thousands of flows per batch.
        follower = TopicFollower.builder(new StringDeserializer(), new ByteArrayDeserializer())
                .name("flows-ingest")
                .bootstrapServers(bootstrapServers)
                .topics(config.topic())
                .prepare(this::ensureTopic)
                .requireTopics()
                .startAt(StartPosition.tail(config.ringCapacity()))
                .consumerProperties(KafkaClientSettings.fromConfigWith(Map.of(
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        "2000",
                        ConsumerConfig.FETCH_MAX_BYTES_CONFIG,
                        Integer.toString(32 * 1024 * 1024),
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        Integer.toString(8 * 1024 * 1024))))
                .handler(this)
                .start();
    }

    void onStop(@Observes ShutdownEvent event) {
        TopicFollower<String, byte[]> f = follower;
        if (f != null) {
            f.close();
        }
    }

    public long seenFlows() {
        return seen.get();
    }

    public long uptimeNanos() {
        return System.nanoTime() - startNanos;
    }

    /** Whether the rings hold every partition's records up to its end as it was at start. */
    public boolean caughtUp() {
        TopicFollower<String, byte[]> f = follower;
        return f != null && f.status().caughtUp();
    }

    /** Next offset to ingest per partition: everything before it is in the rings (or older than them). */
    public Map<Integer, Long> positions() {
        Map<Integer, Long> out = new HashMap<>();
        TopicFollower<String, byte[]> f = follower;
        if (f != null) {
            f.status()
                    .partitions()
                    .forEach((partition, progress) -> out.put(partition.partition(), progress.position()));
        }
        return out;
    }

    public Integer partitionOf(String node) {
        return partitionOfNode.get(node);
    }

    @Override
    public void apply(Batch<String, byte[]> batch) {
        long now = System.currentTimeMillis();
        for (ConsumerRecord<String, byte[]> record : batch) {
            ingest(record, now);
        }
    }

    @Override
    public void caughtUp(FollowerStatus status) {
        LOG.infof("flow rings caught up with %s: %d flows", config.topic(), seen.get());
    }

    @Override
    public void rejected(RejectedRecord record) {
        badRecords.increment();
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
            LOG.warnf(
                    "skipping unreadable flow record at %s-%d@%d: %s",
                    record.topic(), record.partition(), record.offset(), e.getMessage());
            return;
        }
        metrics.record(flow);
        var stored = codec.decode(flow, record.value(), record.offset(), record.key());
        partitionOfNode.putIfAbsent(stored.node, record.partition());
        store.add(stored, nowMillis);
        seen.incrementAndGet();
    }

    private void ensureTopic() {
        Map<String, Object> props = KafkaClientSettings.fromConfigWith(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        try (Admin admin = Admin.create(props)) {
            if (admin.listTopics().names().get().contains(config.topic())) {
                return;
            }
            NewTopic topic = new NewTopic(config.topic(), config.partitions(), config.replicationFactor())
                    .configs(Map.of(
                            "cleanup.policy",
                            "delete",
                            "retention.ms",
                            Long.toString(config.retention().toMillis())));
            admin.createTopics(List.of(topic)).all().get();
            LOG.infof(
                    "created topic %s (%d partitions, retention %s)",
                    config.topic(), config.partitions(), config.retention());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create " + config.topic(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating " + config.topic(), e);
        }
    }
}
