package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.state.ImagePublisher;
import dev.tendril.agent.state.NodeDelta;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.agent.state.StateTopic;
import dev.tendril.topics.Batch;
import dev.tendril.topics.FollowerHandler;
import dev.tendril.topics.FollowerStatus;
import dev.tendril.topics.KafkaClientSettings;
import dev.tendril.topics.RejectedRecord;
import dev.tendril.topics.TopicFollower;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Follows tendril.identities, tendril.endpoints, tendril.nodes, tendril.policy and tendril.services into the node's image and
 * maps, as KRaft's metadata loader does. libs/topics' {@link TopicFollower} reads them (every partition from
 * its beginning, no consumer group: every agent needs every record, and a compacted topic read from the start
 * is the snapshot) and hands the records over on its thread: the bootstrap's records, up to the end offsets
 * captured at the start, are replayed into one {@link NodeDelta} from {@link NodeImage#EMPTY}, whose image is
 * published whole once caught up (every map checked); after that every batch becomes a delta and a new image,
 * and the delta is published ({@link ImagePublisher}: only the entries it changes are written). Every
 * {@code tendril.agent.reconcile-interval} a full pass against the last image corrects drift.
 *
 * <p>Fail-static: while Kafka is unreachable the maps keep their last content, and the follower resumes
 * from the records already applied. Before bootstrap the maps are not touched at all (a pinned map from the
 * last run stays as it was).
 */
@ApplicationScoped
public class NodeStateConsumer implements FollowerHandler<String, byte[]> {

    private static final Logger LOG = Logger.getLogger(NodeStateConsumer.class);

    /** What readiness and REST see; replaced whole by the consumer thread. */
    public record Status(
            boolean enabled,
            boolean bootstrapped,
            NodeImage image,
            Optional<String> kafkaProblem,
            Instant lastReconcile,
            long recordsApplied,
            long recordsRejected) {}

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

    /**
     * The phases of the bootstrap.
     *
     * @param records records replayed
     * @param consume from the first batch handed over to the end offsets captured at start, replaying each batch
     * @param apply building the image from the delta
     * @param reconcile publishing it: the ipcache's index of the image and the full pass over every map
     */
    public record Bootstrap(long records, Duration consume, Duration apply, Duration reconcile) {}

    // Kafka consumer properties over the follower's defaults (benchmarks' tuning runs); none in the agent.
    private Map<String, String> consumerOverrides = Map.of();

    private volatile Status status = new Status(false, false, NodeImage.EMPTY, Optional.empty(), null, 0, 0);
    private volatile Bootstrap lastBootstrap;
    private Map<String, StateTopic> topics;
    private TopicFollower<String, byte[]> follower;
    private volatile boolean stopping;
    private ScheduledExecutorService periodic;
    private final Map<String, Long> lastRecordTime = new ConcurrentHashMap<>();
    // The bootstrap in progress, on the follower's thread.
    private NodeDelta bootstrapping;
    private long bootstrapStarted;
    private long bootstrapRejected;

    /**
     * The same consumer outside CDI, e.g. one of many simulated agents in one JVM
     * ({@code dev.tendril.agent.sim}): call {@link #start()} and {@link #stop()}.
     *
     * @param consumerOverrides Kafka consumer properties over the agent's (e.g. fetch settings to tune)
     */
    public static NodeStateConsumer create(
            AgentConfig config, DatapathMaps maps, String bootstrapServers, Map<String, String> consumerOverrides) {
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
            LOG.info(
                    "state topic sync disabled (tendril.agent.sync.enabled=false); maps hold only the endpoint API's endpoints");
            maps.imageSource(() -> Optional.of(NodeImage.EMPTY));
            return;
        }
        prepare();
        follower = TopicFollower.builder(new StringDeserializer(), new ByteArrayDeserializer())
                .name("tendril-agent-" + config.nodeName())
                .bootstrapServers(bootstrapServers)
                .topics(List.copyOf(topics.keySet()))
                .consumerProperties(KafkaClientSettings.fromConfigWith(consumerOverrides))
                .handler(this)
                .build();
        if (registry != null) {
            for (String topic : topics.keySet()) {
                Gauge.builder(
                                "tendril.agent.topic.lag.records",
                                this,
                                c -> c.lag(topic).records())
                        .description("Records of a followed topic not consumed yet")
                        .tag("topic", topic)
                        .register(registry);
                Gauge.builder(
                                "tendril.agent.topic.lag.seconds",
                                this,
                                c -> c.lag(topic).seconds())
                        .description("Age of the last consumed record while a followed topic has more")
                        .tag("topic", topic)
                        .register(registry);
            }
        }
        follower.start();
        long every = config.reconcileInterval().toMillis();
        periodic = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("tendril-agent-reconcile").daemon().factory());
        periodic.scheduleWithFixedDelay(this::reconcilePeriodically, every, every, TimeUnit.MILLISECONDS);
    }

    /** The topics by name, the maps opened and told where the image comes from; before the first record. */
    private void prepare() {
        if (topics != null) {
            return;
        }
        topics = Map.of(
                config.sync().identitiesTopic(),
                StateTopic.IDENTITIES,
                config.sync().endpointsTopic(),
                StateTopic.ENDPOINTS,
                config.sync().nodesTopic(),
                StateTopic.NODES,
                config.sync().policyTopic(),
                StateTopic.POLICY,
                config.sync().servicesTopic(),
                StateTopic.SERVICES);
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
            maps.reconcileCurrent("periodic")
                    .filter(out -> out.total() > 0)
                    .ifPresent(out ->
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
        if (follower != null) {
            follower.close();
        }
    }

    /** The consumer's status; {@code kafkaProblem} is the follower's failure while it retries. */
    public Status status() {
        Status s = status;
        Optional<String> problem = follower == null
                ? Optional.empty()
                : follower.status()
                        .problem()
                        .map(f -> f.message().startsWith("handler failed")
                                ? "state topic consumer failed: " + f.message()
                                : "Kafka unreachable at " + bootstrapServers + ": " + f.message());
        return problem.equals(s.kafkaProblem())
                ? s
                : new Status(
                        s.enabled(),
                        s.bootstrapped(),
                        s.image(),
                        problem,
                        s.lastReconcile(),
                        s.recordsApplied(),
                        s.recordsRejected());
    }

    public Optional<Bootstrap> lastBootstrap() {
        return Optional.ofNullable(lastBootstrap);
    }

    /** The lag of a followed topic: its end offsets as of the last check (every second) against what was applied. */
    public TopicLag lag(String topic) {
        if (follower == null) {
            return TopicLag.NONE;
        }
        long records = follower.status().lag(topic);
        Long last = lastRecordTime.get(topic);
        double seconds = records == 0 || last == null ? 0 : Math.max(0, System.currentTimeMillis() - last) / 1000.0;
        return new TopicLag(records, seconds);
    }

    /**
     * A bootstrap from records at hand (a load driver's snapshot of every topic), without Kafka; the
     * follower's bootstrap hands over each poll as it arrives and ends the same way.
     */
    public void bootstrap(Iterable<ConsumerRecord<String, byte[]>> records) {
        prepare();
        replayBootstrap(records);
        caughtUp();
    }

    @Override
    public void apply(Batch<String, byte[]> batch) {
        for (ConsumerRecord<String, byte[]> r : batch) {
            lastRecordTime.put(r.topic(), r.timestamp());
        }
        if (batch.bootstrapping()) {
            replayBootstrap(batch);
        } else {
            apply((Iterable<ConsumerRecord<String, byte[]>>) batch);
        }
    }

    private void replayBootstrap(Iterable<ConsumerRecord<String, byte[]>> records) {
        if (bootstrapping == null) {
            bootstrapping = new NodeDelta(NodeImage.EMPTY);
            bootstrapStarted = System.nanoTime();
            bootstrapRejected = 0;
        }
        for (ConsumerRecord<String, byte[]> r : records) {
            bootstrapRejected += replay(bootstrapping, r);
        }
    }

    @Override
    public void caughtUp(FollowerStatus ignored) {
        caughtUp();
    }

    private void caughtUp() {
        if (bootstrapping == null) {
            // Every topic empty: nothing was handed over.
            bootstrapping = new NodeDelta(NodeImage.EMPTY);
            bootstrapStarted = System.nanoTime();
        }
        NodeDelta delta = bootstrapping;
        long consumed = System.nanoTime();
        NodeImage image = delta.apply();
        long applied = System.nanoTime();
        // Not bootstrapped until the maps hold the image: readiness, and the endpoint API's writes, wait for it.
        NodeMapsReconciler.Outcome result = maps.publish(image);
        long reconciled = System.nanoTime();
        Status s = status;
        lastBootstrap = new Bootstrap(
                delta.replayed(),
                Duration.ofNanos(consumed - bootstrapStarted),
                Duration.ofNanos(applied - consumed),
                Duration.ofNanos(reconciled - applied));
        LOG.infof(
                "bootstrapped from %d records in %d ms (consume %d, image %d, reconcile %d ms): %s; maps %s",
                delta.replayed(),
                Duration.ofNanos(reconciled - bootstrapStarted).toMillis(),
                lastBootstrap.consume().toMillis(),
                lastBootstrap.apply().toMillis(),
                lastBootstrap.reconcile().toMillis(),
                image,
                result.changes());
        status = new Status(
                true,
                true,
                image,
                s.kafkaProblem(),
                Instant.now(),
                s.recordsApplied() + delta.replayed(),
                s.recordsRejected() + bootstrapRejected);
        // Kept until published: the follower hands a failed caught-up signal over again.
        bootstrapping = null;
    }

    /** One poll after the bootstrap: records in, a delta out, the delta published to the maps. */
    public void apply(Iterable<ConsumerRecord<String, byte[]>> batch) {
        Status s = status;
        NodeDelta delta = new NodeDelta(s.image());
        long rejected = 0;
        for (ConsumerRecord<String, byte[]> r : batch) {
            rejected += replay(delta, r);
        }
        NodeImage image = delta.apply();
        // Published before the maps are written: an endpoint API call in between sees the newer image.
        status = new Status(
                true, true, image, s.kafkaProblem(), s.lastReconcile(), s.recordsApplied(), s.recordsRejected());
        maps.publish(delta, image);
        Status now = status;
        status = new Status(
                true,
                true,
                image,
                now.kafkaProblem(),
                Instant.now(),
                s.recordsApplied() + delta.replayed(),
                s.recordsRejected() + rejected);
    }

    /** Replays one record; 1 when it was rejected. */
    private int replay(NodeDelta delta, ConsumerRecord<String, byte[]> r) {
        StateTopic topic = topics.get(r.topic());
        if (topic == null || r.key() == null) {
            return 1;
        }
        try {
            delta.replay(topic, r.partition(), r.offset(), r.key(), r.value());
            return 0;
        } catch (IllegalArgumentException e) {
            // One bad record must not stop the node from following everything else.
            LOG.warnf("skipping %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), e.getMessage());
            return 1;
        }
    }

    @Override
    public void rejected(RejectedRecord record) {
        Status s = status;
        status = new Status(
                s.enabled(),
                s.bootstrapped(),
                s.image(),
                s.kafkaProblem(),
                s.lastReconcile(),
                s.recordsApplied(),
                s.recordsRejected() + 1);
    }
}
