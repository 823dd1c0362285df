package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.state.IpcacheIndex;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.agent.state.NodeDelta;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.StateTopic;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Follows tendril.identities, tendril.endpoints, tendril.nodes and tendril.policy on one thread: assigns every
 * partition and reads from the beginning, without a consumer group (every agent needs every record,
 * and a compacted topic read from the start is the snapshot). Bootstrap replays each partition up to
 * its end offset captured at the start into one delta, then reconciles every map once; after that
 * every poll batch becomes a delta, a new image and a reconcile, and every
 * {@code tendril.agent.reconcile-interval} a reconcile against the last image corrects drift.
 *
 * <p>Fail-static: while Kafka is unreachable the maps keep their last content. Before bootstrap the
 * maps are not touched at all (a pinned map from the last run stays as it was).
 */
@ApplicationScoped
public class NodeStateConsumer {

    private static final Logger LOG = Logger.getLogger(NodeStateConsumer.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(5);

    /** What readiness and REST see; replaced whole by the consumer thread. */
    public record Status(boolean enabled, boolean bootstrapped, NodeImage image, Optional<String> kafkaProblem,
                         Instant lastReconcile, long recordsApplied, long recordsRejected) {
    }

    @Inject
    AgentConfig config;

    @Inject
    DatapathMaps maps;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    // Absent for agents created outside CDI (simulations): no gauges then.
    @Inject
    MeterRegistry registry;

    /**
     * How far this agent is behind the end of a followed topic, as of the last check (every second
     * while following): the records not yet consumed, and the age of the last record consumed while
     * any remain (0 when caught up).
     */
    public record TopicLag(long records, double seconds) {
        static final TopicLag NONE = new TopicLag(0, 0);
    }

    private final Map<String, TopicLag> lag = new ConcurrentHashMap<>();
    private final Map<String, Long> lastRecordTime = new ConcurrentHashMap<>();

    // Kafka consumer properties over the defaults below (benchmarks' tuning runs); none in the agent.
    private Map<String, String> consumerOverrides = Map.of();

    /**
     * The phases of the last bootstrap (or catch-up after a lost consumer).
     *
     * @param records records replayed
     * @param consume from the consumer's creation to the end offsets captured at start, replaying each batch
     * @param apply building the image from the delta, and the ipcache's index of it
     * @param reconcile the reconcile of every map against it
     */
    public record Bootstrap(long records, Duration consume, Duration apply, Duration reconcile) {
    }

    private volatile Status status = new Status(false, false, NodeImage.EMPTY, Optional.empty(), null, 0, 0);
    private volatile Bootstrap lastBootstrap;
    private volatile boolean stopping;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;
    private Map<String, StateTopic> topics;
    private ScheduledExecutorService periodic;
    // The ipcache's claims for the current image, so that a batch writes only the keys it changes; the
    // consumer thread's alone.
    private IpcacheIndex ipcacheIndex;

    /**
     * The same consumer outside CDI, e.g. one of many simulated agents in one JVM
     * ({@code dev.tendril.agent.sim}): call {@link #start()} and {@link #stop()}.
     *
     * @param consumerOverrides Kafka consumer properties over the agent's (e.g. fetch settings to tune)
     */
    public static NodeStateConsumer create(AgentConfig config, DatapathMaps maps, String bootstrapServers,
                                           Map<String, String> consumerOverrides) {
        NodeStateConsumer c = new NodeStateConsumer();
        c.config = config;
        c.maps = maps;
        c.bootstrapServers = bootstrapServers;
        c.consumerOverrides = Map.copyOf(consumerOverrides);
        return c;
    }

    void onStart(@Observes StartupEvent event) {
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    public void start() {
        if (!config.sync().enabled()) {
            LOG.info("state topic sync disabled (tendril.agent.sync.enabled=false); maps hold only the endpoint API's endpoints");
            maps.imageSource(() -> Optional.of(NodeImage.EMPTY));
            return;
        }
        prepare();
        if (registry != null) {
            for (String topic : topics.keySet()) {
                Gauge.builder("tendril.agent.topic.lag.records", this, c -> c.lag(topic).records())
                        .description("Records of a followed topic not consumed yet").tag("topic", topic)
                        .register(registry);
                Gauge.builder("tendril.agent.topic.lag.seconds", this, c -> c.lag(topic).seconds())
                        .description("Age of the last consumed record while a followed topic has more").tag("topic", topic)
                        .register(registry);
            }
        }
        thread = Thread.ofPlatform().name("tendril-agent-state").daemon().start(this::run);
        long every = config.reconcileInterval().toMillis();
        periodic = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("tendril-agent-reconcile")
                .daemon().factory());
        periodic.scheduleWithFixedDelay(this::reconcilePeriodically, every, every, TimeUnit.MILLISECONDS);
    }

    /** The topics by name, the maps opened and told where the image comes from; before the first record. */
    private void prepare() {
        if (topics != null) {
            return;
        }
        topics = Map.of(config.sync().identitiesTopic(), StateTopic.IDENTITIES,
                config.sync().endpointsTopic(), StateTopic.ENDPOINTS,
                config.sync().nodesTopic(), StateTopic.NODES,
                config.sync().policyTopic(), StateTopic.POLICY);
        maps.ipcache(); // open the map (and fail start-up on a bad pin) before following
        status = new Status(true, false, NodeImage.EMPTY, Optional.empty(), null, 0, 0);
        maps.imageSource(() -> status.bootstrapped() ? Optional.of(status.image()) : Optional.empty());
    }

    /**
     * Corrects drift (another writer, a lost update) against the last image; also while Kafka is down,
     * which keeps the last state (fail-static).
     */
    private void reconcilePeriodically() {
        Status s = status;
        if (!s.bootstrapped() || stopping) {
            return;
        }
        try {
            maps.reconcileCurrent("periodic").filter(out -> out.total() > 0).ifPresent(out ->
                    LOG.infof("periodic reconcile corrected %d entries: %s", out.total(), out.changes()));
        } catch (RuntimeException e) {
            LOG.error("periodic reconcile failed", e);
        }
    }

    public void stop() {
        stopping = true;
        if (periodic != null) {
            periodic.shutdownNow();
        }
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

    public Status status() {
        return status;
    }

    public Optional<Bootstrap> lastBootstrap() {
        return Optional.ofNullable(lastBootstrap);
    }

    private void run() {
        while (!stopping) {
            long started = System.nanoTime();
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProperties())) {
                consumer = c;
                catchUp(c, started);
                follow(c);
            } catch (WakeupException e) {
                if (stopping) {
                    return;
                }
            } catch (KafkaException e) {
                degraded(e);
                sleep(Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                LOG.error("state topic consumer failed; retrying, maps keep their last content", e);
                degraded(e);
                sleep(Duration.ofSeconds(1));
            } finally {
                consumer = null;
            }
        }
    }

    /**
     * Reads every partition from its beginning up to the end offsets captured now into one delta from
     * {@link NodeImage#EMPTY}, then reconciles once. Also after a lost consumer: the fresh image is the
     * truth, so an update missed meanwhile is still applied.
     */
    private void catchUp(KafkaConsumer<String, byte[]> c, long started) {
        List<TopicPartition> parts = partitions(c);
        c.assign(parts);
        c.seekToBeginning(parts);
        Map<TopicPartition, Long> end = c.endOffsets(parts, KAFKA_TIMEOUT);
        NodeDelta delta = new NodeDelta(NodeImage.EMPTY);
        long[] rejected = {0};
        while (!stopping && !reached(c, end)) {
            for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                replay(delta, r, rejected);
            }
        }
        if (!stopping) {
            bootstrapped(delta, rejected[0], started);
        }
    }

    /**
     * A bootstrap from records at hand (a load driver's snapshot of every topic), without Kafka; the
     * consumer's own bootstrap replays each poll as it arrives and ends the same way.
     */
    public void bootstrap(Iterable<ConsumerRecord<String, byte[]>> records) {
        prepare();
        long started = System.nanoTime();
        NodeDelta delta = new NodeDelta(NodeImage.EMPTY);
        long[] rejected = {0};
        for (ConsumerRecord<String, byte[]> r : records) {
            replay(delta, r, rejected);
        }
        bootstrapped(delta, rejected[0], started);
    }

    private void bootstrapped(NodeDelta delta, long rejected, long started) {
        long consumed = System.nanoTime();
        NodeImage image = delta.apply();
        ipcacheIndex = IpcacheIndex.of(image, config.nodeName());
        long applied = System.nanoTime();
        NodeMapsReconciler.Outcome result = maps.reconcile(image, ipcacheIndex, "bootstrap");
        long reconciled = System.nanoTime();
        lastBootstrap = new Bootstrap(delta.replayed(), Duration.ofNanos(consumed - started),
                Duration.ofNanos(applied - consumed), Duration.ofNanos(reconciled - applied));
        Status s = status;
        LOG.infof("%s from %d records in %d ms (consume %d, image %d, reconcile %d ms): %s; maps %s",
                s.bootstrapped() ? "caught up" : "bootstrapped", delta.replayed(),
                Duration.ofNanos(reconciled - started).toMillis(), lastBootstrap.consume().toMillis(),
                lastBootstrap.apply().toMillis(), lastBootstrap.reconcile().toMillis(), image, result.changes());
        status = new Status(true, true, image, Optional.empty(), Instant.now(),
                s.recordsApplied() + delta.replayed(), s.recordsRejected() + rejected);
    }

    private void follow(KafkaConsumer<String, byte[]> c) {
        Instant nextCheck = Instant.now().plus(CHECK_EVERY);
        while (!stopping) {
            ConsumerRecords<String, byte[]> batch;
            if (c.assignment().isEmpty()) {
                // None of the topics exists yet; poll() refuses an empty assignment.
                sleep(POLL);
                batch = ConsumerRecords.empty();
            } else {
                batch = c.poll(POLL);
            }
            if (!batch.isEmpty()) {
                apply(batch);
            }
            if (Instant.now().isAfter(nextCheck)) {
                nextCheck = Instant.now().plus(CHECK_EVERY);
                check(c);
            }
        }
    }

    /** One poll after the bootstrap: records in, a delta out, the delta to the maps. */
    public void apply(Iterable<ConsumerRecord<String, byte[]>> batch) {
        Status s = status;
        NodeDelta delta = new NodeDelta(s.image());
        long[] rejected = {0};
        for (ConsumerRecord<String, byte[]> r : batch) {
            replay(delta, r, rejected);
        }
        NodeImage image = delta.apply();
        IpcacheIndex.Changes ipcache = ipcacheIndex.update(s.image(), delta);
        // Published before the reconcile: an endpoint API call in between sees the newer image.
        status = new Status(true, true, image, s.kafkaProblem(), s.lastReconcile(),
                s.recordsApplied(), s.recordsRejected());
        maps.reconcile(image, ipcache, "delta");
        status = new Status(true, true, image, s.kafkaProblem(), Instant.now(),
                s.recordsApplied() + delta.replayed(), s.recordsRejected() + rejected[0]);
    }

    /**
     * Polls hide an unreachable broker, so ask it directly; also picks up partitions of topics that
     * did not exist yet (read from their beginning).
     */
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
            Status s = status;
            if (s.kafkaProblem().isPresent()) {
                LOG.info("Kafka reachable again");
                status = new Status(s.enabled(), s.bootstrapped(), s.image(), Optional.empty(), s.lastReconcile(),
                        s.recordsApplied(), s.recordsRejected());
            }
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            degraded(e);
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> out = new ArrayList<>();
        for (String topic : topics.keySet()) {
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

    /** The lag of a followed topic as of the last check. */
    public TopicLag lag(String topic) {
        return lag.getOrDefault(topic, TopicLag.NONE);
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
            lag.put(topic, new TopicLag(records, seconds));
        });
    }

    private void replay(NodeDelta delta, ConsumerRecord<String, byte[]> r, long[] rejected) {
        lastRecordTime.put(r.topic(), r.timestamp());
        StateTopic topic = topics.get(r.topic());
        if (topic == null || r.key() == null) {
            rejected[0]++;
            return;
        }
        try {
            delta.replay(topic, r.key(), r.value());
        } catch (IllegalArgumentException e) {
            // One bad record must not stop the node from following everything else.
            rejected[0]++;
            LOG.warnf("skipping %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    private void degraded(Exception e) {
        Status s = status;
        String problem = "Kafka unreachable at " + bootstrapServers + ": " + e;
        if (s.kafkaProblem().isEmpty()) {
            LOG.warnf("%s; maps keep their last content", problem);
        }
        status = new Status(s.enabled(), s.bootstrapped(), s.image(), Optional.of(problem), s.lastReconcile(),
                s.recordsApplied(), s.recordsRejected());
    }

    private Properties consumerProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "tendril-agent-" + config.nodeName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.putAll(consumerOverrides);
        return p;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
