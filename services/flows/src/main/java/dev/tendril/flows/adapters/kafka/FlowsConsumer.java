package dev.tendril.flows.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.hubble.flow.LostEvent;
import dev.tendril.flows.adapters.CounterTally;
import dev.tendril.flows.adapters.FlowBytes;
import dev.tendril.flows.adapters.FlowCodec;
import dev.tendril.flows.adapters.FlowMetrics;
import dev.tendril.flows.adapters.FlowsConfig;
import dev.tendril.flows.domain.FlowStore;
import dev.tendril.flows.domain.StoredFlow;
import dev.tendril.topics.FlowTopicRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Default;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Fills the rings from the {@code flows} channel (the flows topic, {@code mp.messaging.incoming.flows.*} in
 * application.properties): batches of up to {@code max.poll.records} records, one batch at a time, the next fetched
 * once this one is in the rings (at least once, no loss: the channel's back-pressure stops polling while a batch is
 * being ingested). Every replica reads all partitions (a consumer group of its own, no committed offsets): at the
 * first assignment it seeks one ring's worth of records before each partition's end, so the rings are warm after a
 * restart, and after a later one it goes on where it was; older flows are served by {@link FlowHistory}.
 *
 * <p>A record that does not parse is logged, counted in {@code tendril_flows_bad_records_total} and skipped. A
 * record with the {@link FlowTopicRecords#LOST_EVENTS_HEADER} header is an agent's LostEvent (its flow queue
 * overflowed): counted per node, in {@code hubble_lost_events_total{source="observer_events_queue"}} and in the
 * status, never a flow.
 */
@ApplicationScoped
@Default
@Identifier(FlowsConsumer.LISTENER)
public class FlowsConsumer implements KafkaConsumerRebalanceListener {

    /** The channel's {@code consumer-rebalance-listener.name}. */
    static final String LISTENER = "flows-ingest";

    private static final Logger LOG = Logger.getLogger(FlowsConsumer.class);
    private static final Duration RETRY = Duration.ofSeconds(2);

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
    // The batch's Hubble metrics, added to the counters at its end: batches come one at a time.
    private final CounterTally tally = new CounterTally();
    private final AtomicLong seen = new AtomicLong();
    private final AtomicLong lostByAgents = new AtomicLong();
    private final Map<String, Integer> partitionOfNode = new ConcurrentHashMap<>();
    private final Map<Integer, Long> positions = new ConcurrentHashMap<>();
    private final Map<Integer, Long> endsAtStart = new ConcurrentHashMap<>();
    private final long startNanos = System.nanoTime();
    private volatile long assignedNanos;
    private volatile long caughtUpNanos;
    private volatile boolean assigned;
    private volatile boolean caughtUp;
    private Counter badRecords;

    /** Before the channels start (Reactive Messaging's own start-up observer runs later): the topic's retention. */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        badRecords = meters.counter("tendril_flows_bad_records_total");
        metrics.registerLost();
        try {
            FlowsTopic.ensure(config, bootstrapServers);
        } catch (RuntimeException e) {
            // Kafka not there yet: the channel waits for the topic (no auto-creation), this keeps trying to make it.
            LOG.warnf("flows topic not checked yet, retrying in the background: %s", e.getMessage());
            Thread.ofVirtual().name("flows-topic").start(this::ensureTopicUntilDone);
        }
    }

    private void ensureTopicUntilDone() {
        while (true) {
            try {
                Thread.sleep(RETRY.toMillis());
                FlowsTopic.ensure(config, bootstrapServers);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.debugf("flows topic not checked yet: %s", e.getMessage());
            }
        }
    }

    @Incoming("flows")
    public void ingest(ConsumerRecords<String, byte[]> batch) {
        long now = System.currentTimeMillis();
        try {
            for (ConsumerRecord<String, byte[]> record : batch) {
                ingest(record, now);
            }
        } finally {
            tally.flush();
        }
        for (TopicPartition partition : batch.partitions()) {
            List<ConsumerRecord<String, byte[]>> records = batch.records(partition);
            positions.put(partition.partition(), records.get(records.size() - 1).offset() + 1);
        }
        checkCaughtUp();
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        for (TopicPartition partition : partitions) {
            Long known = positions.get(partition.partition());
            long begin = begins.getOrDefault(partition, 0L);
            long end = ends.getOrDefault(partition, 0L);
            long from = known != null ? Math.max(begin, known) : Math.max(begin, end - config.ringCapacity());
            consumer.seek(partition, from);
            positions.put(partition.partition(), from);
            endsAtStart.putIfAbsent(partition.partition(), end);
        }
        if (!assigned) {
            assignedNanos = System.nanoTime();
            assigned = true;
        }
        checkCaughtUp();
    }

    public long seenFlows() {
        return seen.get();
    }

    /** Flows the agents dropped before they could publish them (their LostEvents), since this service started. */
    public long lostByAgents() {
        return lostByAgents.get();
    }

    public long uptimeNanos() {
        return System.nanoTime() - startNanos;
    }

    /** Whether the rings hold every partition's records up to its end as it was at the first assignment. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** From the first assignment until the rings caught up (the start-up ingest), once they have. */
    public Optional<Duration> catchUpTime() {
        return caughtUp ? Optional.of(Duration.ofNanos(caughtUpNanos - assignedNanos)) : Optional.empty();
    }

    /** Next offset to ingest per partition: everything before it is in the rings (or older than them). */
    public Map<Integer, Long> positions() {
        return new HashMap<>(positions);
    }

    public Integer partitionOf(String node) {
        return partitionOfNode.get(node);
    }

    private void checkCaughtUp() {
        if (caughtUp || !assigned) {
            return;
        }
        for (Map.Entry<Integer, Long> end : endsAtStart.entrySet()) {
            if (positions.getOrDefault(end.getKey(), 0L) < end.getValue()) {
                return;
            }
        }
        caughtUpNanos = System.nanoTime();
        caughtUp = true;
        LOG.infof(
                "flow rings caught up with %s: %d flows in %d ms",
                config.topic(), seen.get(), catchUpTime().orElseThrow().toMillis());
    }

    private void ingest(ConsumerRecord<String, byte[]> record, long nowMillis) {
        if (record.value() == null) {
            return;
        }
        if (FlowTopicRecords.isLostEvents(record.headers())) {
            lost(record);
            return;
        }
        // Parsed without its endpoints: the codec finds known peers by their bytes.
        FlowBytes.Parsed parsed;
        StoredFlow stored;
        try {
            parsed = FlowBytes.parse(record.value());
            stored = codec.decode(parsed, record.value(), record.offset(), record.key());
        } catch (InvalidProtocolBufferException e) {
            badRecord(record, e);
            return;
        }
        metrics.record(parsed.flow(), tally);
        partitionOfNode.putIfAbsent(stored.node, record.partition());
        store.add(stored, nowMillis);
        seen.incrementAndGet();
    }

    private void lost(ConsumerRecord<String, byte[]> record) {
        LostEvent event;
        try {
            event = LostEvent.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            badRecord(record, e);
            return;
        }
        lostByAgents.addAndGet(event.getNumEventsLost());
        metrics.lost(FlowMetrics.OBSERVER_EVENTS_QUEUE, event.getNumEventsLost());
        LOG.debugf("node %s lost %d flows before publishing them", record.key(), event.getNumEventsLost());
    }

    private void badRecord(ConsumerRecord<String, byte[]> record, InvalidProtocolBufferException e) {
        badRecords.increment();
        LOG.warnf(
                "skipping unreadable flow record at %s-%d@%d: %s",
                record.topic(), record.partition(), record.offset(), e.getMessage());
    }
}
