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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Follows tendril.identities, tendril.endpoints, tendril.nodes, tendril.services and tendril.policy (or, in fetch mode,
 * tendril.policy.revisions and the policy service's maps of the local subjects: {@link FetchMode}) into the node's image and
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
            long recordsRejected) {

        Status with(Optional<String> problem, long moreRejected) {
            return new Status(
                    enabled,
                    bootstrapped,
                    image,
                    problem,
                    lastReconcile,
                    recordsApplied,
                    recordsRejected + moreRejected);
        }
    }

    @Inject
    AgentConfig config;

    @Inject
    DatapathMaps maps;

    // The policy service, asked for the local subjects' maps in fetch mode.
    @Inject
    PolicyFetcher.Source policyMaps;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    // Absent for agents created outside CDI (simulations): no gauges then.
    @Inject
    MeterRegistry registry;

    /**
     * The phases of the bootstrap.
     *
     * @param records records replayed
     * @param consume from the first batch handed over to the end offsets captured at start, replaying each batch
     * @param apply building the image from the delta (fetch mode: and the first fetch of the local subjects)
     * @param reconcile publishing it: the ipcache's index of the image and the full pass over every map
     */
    public record Bootstrap(long records, Duration consume, Duration apply, Duration reconcile) {}

    // Kafka consumer properties over the follower's defaults (benchmarks' tuning runs); none in the agent.
    private Map<String, String> consumerOverrides = Map.of();

    private volatile Status status = new Status(false, false, NodeImage.EMPTY, Optional.empty(), null, 0, 0);
    private volatile Bootstrap lastBootstrap;
    private Map<String, StateTopic> topics;
    private volatile TopicFollower<String, byte[]> follower;
    private PeriodicReconcile periodic;
    private final TopicLags lags = new TopicLags();
    // The bootstrap in progress, on the follower's thread.
    private NodeDelta bootstrapping;
    private long bootstrapStarted;
    private long bootstrapConsumed;
    private long bootstrapRejected;
    // Null in topic mode.
    private FetchMode fetch;

    /**
     * The same consumer outside CDI, e.g. one of many simulated agents in one JVM
     * ({@code dev.tendril.agent.sim}): call {@link #start()} and {@link #stop()}.
     *
     * @param consumerOverrides Kafka consumer properties over the agent's (e.g. fetch settings to tune)
     * @param policyMaps the policy service of fetch mode; null in topic mode
     */
    public static NodeStateConsumer create(
            AgentConfig config,
            DatapathMaps maps,
            String bootstrapServers,
            Map<String, String> consumerOverrides,
            PolicyFetcher.Source policyMaps) {
        NodeStateConsumer c = new NodeStateConsumer();
        c.config = config;
        c.maps = maps;
        c.bootstrapServers = bootstrapServers;
        c.consumerOverrides = Map.copyOf(consumerOverrides);
        c.policyMaps = policyMaps;
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
            lags.register(registry, follower, topics.keySet());
        }
        follower.start();
        periodic = new PeriodicReconcile(maps, config.reconcileInterval(), () -> status.bootstrapped());
    }

    /** The topics by name, the maps opened and told where the image comes from; before the first record. */
    private void prepare() {
        if (topics != null) {
            return;
        }
        boolean fetch = config.sync().policySource() == AgentConfig.PolicySource.FETCH;
        topics = Map.of(
                config.sync().identitiesTopic(),
                StateTopic.IDENTITIES,
                config.sync().endpointsTopic(),
                StateTopic.ENDPOINTS,
                config.sync().nodesTopic(),
                StateTopic.NODES,
                fetch ? config.sync().policyRevisionsTopic() : config.sync().policyTopic(),
                fetch ? StateTopic.POLICY_REVISIONS : StateTopic.POLICY,
                config.sync().servicesTopic(),
                StateTopic.SERVICES);
        if (fetch) {
            this.fetch = new FetchMode(
                    new PolicyFetcher(config.nodeName(), maps.table(), policyMaps, registry, this::nudge),
                    this::publishBootstrap,
                    this::publish);
        }
        maps.ipcache(); // open the map (and fail start-up on a bad pin) before following
        status = new Status(true, false, NodeImage.EMPTY, Optional.empty(), null, 0, 0);
        maps.imageSource(() -> status.bootstrapped() ? Optional.of(status.image()) : Optional.empty());
    }

    public void stop() {
        if (periodic != null) {
            periodic.close();
        }
        if (follower != null) {
            follower.close();
        }
        if (fetch != null) {
            fetch.fetcher().close();
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
        return problem.equals(s.kafkaProblem()) ? s : s.with(problem, 0);
    }

    /** Fetch mode's fetches of the local subjects' maps (problem, counts); empty in topic mode. */
    public Optional<PolicyFetcher> policyFetcher() {
        return fetch == null ? Optional.empty() : Optional.of(fetch.fetcher());
    }

    public Optional<Bootstrap> lastBootstrap() {
        return Optional.ofNullable(lastBootstrap);
    }

    /** The lag of a followed topic: its end offsets as of the last check (every second) against what was applied. */
    public TopicLags.Lag lag(String topic) {
        return lags.lag(follower, topic);
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
        lags.consumed(batch);
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
        if (fetch != null && fetch.holding()) {
            return;
        }
        bootstrapConsumed = System.nanoTime();
        NodeImage image = bootstrapping.apply();
        if (fetch != null) {
            // Published once the first fetch of the local subjects answered or failed.
            fetch.caughtUp(bootstrapping, image);
        } else {
            publishBootstrap(image, 0, 0);
        }
    }

    /** The bootstrap's image published whole; {@code replayed} records were read after it, while it was held. */
    private void publishBootstrap(NodeImage image, long replayed, long rejected) {
        NodeDelta delta = bootstrapping;
        long applied = System.nanoTime();
        // Not bootstrapped until the maps hold the image: readiness, and the endpoint API's writes, wait for it.
        NodeMapsReconciler.Outcome result = maps.publish(image);
        long reconciled = System.nanoTime();
        Status s = status;
        lastBootstrap = new Bootstrap(
                delta.replayed() + replayed,
                Duration.ofNanos(bootstrapConsumed - bootstrapStarted),
                Duration.ofNanos(applied - bootstrapConsumed),
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
                s.recordsApplied() + delta.replayed() + replayed,
                s.recordsRejected() + bootstrapRejected + rejected);
        // Kept until published: the follower hands a failed caught-up signal over again.
        bootstrapping = null;
    }

    /** A fetched answer waits: the follower's thread takes it now, not after its poll's timeout. */
    private void nudge() {
        Optional.ofNullable(follower).ifPresent(TopicFollower::nudge);
    }

    @Override
    public void drained() {
        if (fetch != null) {
            fetch.step(status.bootstrapped(), () -> status.image());
        }
    }

    @Override
    public void periodically(FollowerStatus ignored) {
        drained();
    }

    /** One poll after the bootstrap: records in, a delta out, the delta published to the maps. */
    public void apply(Iterable<ConsumerRecord<String, byte[]>> batch) {
        NodeDelta delta = fetch == null ? new NodeDelta(status.image()) : fetch.begin(status.image());
        long rejected = 0;
        for (ConsumerRecord<String, byte[]> r : batch) {
            rejected += replay(delta, r);
        }
        if (fetch == null) {
            publish(delta, rejected);
        } else {
            fetch.replayed(delta, rejected, () -> status.image());
        }
    }

    private void publish(NodeDelta delta, long rejected) {
        Status s = status;
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
        status = s.with(s.kafkaProblem(), 1);
    }
}
