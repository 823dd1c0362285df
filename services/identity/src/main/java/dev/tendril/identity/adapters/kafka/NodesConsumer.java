package dev.tendril.identity.adapters.kafka;

import dev.tendril.api.v1.Node;
import dev.tendril.identity.adapters.IdentityServiceConfig;
import dev.tendril.identity.adapters.persistence.UnknownReferenceException;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.KnownNodes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * With {@code tendril.identity.nodes.require-registered}: reads IPAM's compacted {@code tendril.nodes}
 * from the beginning into memory (no consumer group) and follows it, so that endpoints are admitted
 * only on registered nodes and never with a node's own address. A node registered a moment ago may not
 * have reached this view yet: before refusing, {@link #admit} waits (at most
 * {@code tendril.identity.nodes.catch-up}) until the view has read up to the topic's current end. A
 * record that does not parse is logged, counted in {@code tendril_identity_bad_node_records_total} and
 * skipped.
 */
@ApplicationScoped
public class NodesConsumer {

    private static final Logger LOG = Logger.getLogger(NodesConsumer.class);

    @Inject
    IdentityServiceConfig config;

    @Inject
    MeterRegistry meters;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "127.0.0.1:9092")
    String bootstrapServers;

    private final Object progress = new Object();
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private volatile KnownNodes nodes = KnownNodes.EMPTY;
    private volatile List<TopicPartition> partitions = List.of();
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private KafkaConsumer<String, byte[]> offsets;
    private Counter badRecords;

    void onStart(@Observes StartupEvent event) {
        if (!config.nodes().requireRegistered()) {
            return;
        }
        badRecords = meters.counter("tendril_identity_bad_node_records_total");
        running = true;
        Thread.ofPlatform().name("identity-nodes").daemon().start(this::run);
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        synchronized (this) {
            if (offsets != null) {
                offsets.close(Duration.ofSeconds(1));
            }
        }
    }

    /**
     * Refuses an endpoint on a node IPAM has not registered (422, {@code node}) and an endpoint address
     * that is a node's own (409, {@code ips}); admits everything while the check is switched off.
     */
    public void admit(EndpointSpec spec) {
        if (!config.nodes().requireRegistered()) {
            return;
        }
        if (!nodes.contains(spec.node())) {
            catchUp();
        }
        KnownNodes known = nodes;
        if (!known.contains(spec.node())) {
            throw new UnknownReferenceException("node", "node '" + spec.node() + "' is not registered with IPAM ("
                    + config.topics().nodes() + " knows " + known.size() + " nodes); register the node first");
        }
        known.checkAddresses(spec);
    }

    /** Waits until the view has read every record the topic holds now, or the catch-up time is over. */
    private void catchUp() {
        long deadline = System.nanoTime() + config.nodes().catchUp().toNanos();
        if (!await(() -> !partitions.isEmpty(), deadline)) {
            return;
        }
        Map<TopicPartition, Long> end;
        try {
            end = endOffsets();
        } catch (RuntimeException e) {
            LOG.debugf("cannot read the end offsets of %s: %s", config.topics().nodes(), e.getMessage());
            return;
        }
        await(() -> end.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue()),
                deadline);
    }

    /** Waits for the consumer thread to make {@code condition} true; false when the deadline passed first. */
    private boolean await(java.util.function.BooleanSupplier condition, long deadline) {
        synchronized (progress) {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    progress.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    private synchronized Map<TopicPartition, Long> endOffsets() {
        if (offsets == null) {
            offsets = new KafkaConsumer<>(properties(), new StringDeserializer(), new ByteArrayDeserializer());
        }
        return offsets.endOffsets(partitions, config.nodes().catchUp());
    }

    private void run() {
        while (running) {
            try {
                consume();
            } catch (WakeupException stop) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("node consumer failed, restarting in 1 s: %s", e.toString());
                pause(1000);
            }
        }
    }

    private void consume() {
        try (KafkaConsumer<String, byte[]> kafka = new KafkaConsumer<>(properties(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = kafka;
            String topic = config.topics().nodes();
            List<PartitionInfo> infos = kafka.partitionsFor(topic, Duration.ofSeconds(10));
            while (running && (infos == null || infos.isEmpty())) {
                // IPAM creates the topic with its first node; until then no node is registered.
                pause(1000);
                infos = kafka.partitionsFor(topic, Duration.ofSeconds(10));
            }
            List<TopicPartition> assigned = new ArrayList<>();
            infos.forEach(p -> assigned.add(new TopicPartition(topic, p.partition())));
            kafka.assign(assigned);
            kafka.seekToBeginning(assigned);
            KnownNodes view = KnownNodes.EMPTY;
            positions.clear();
            partitions = List.copyOf(assigned);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : kafka.poll(Duration.ofMillis(500))) {
                    view = apply(view, record);
                }
                nodes = view;
                synchronized (progress) {
                    assigned.forEach(p -> positions.put(p, kafka.position(p)));
                    progress.notifyAll();
                }
            }
        }
    }

    private KnownNodes apply(KnownNodes view, ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return view.without(record.key());
        }
        try {
            Node node = Node.parseFrom(record.value());
            List<String> addresses = new ArrayList<>(node.getIpsList());
            addresses.addAll(node.getRouterIpsList());
            return view.with(record.key(), addresses);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            badRecords.increment();
            LOG.warnf("skipping unreadable node record %s at %s-%d@%d: %s", record.key(), record.topic(),
                    record.partition(), record.offset(), e.getMessage());
            return view;
        }
    }

    private Properties properties() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return props;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
