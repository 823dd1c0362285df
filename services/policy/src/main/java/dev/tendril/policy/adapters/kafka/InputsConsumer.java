package dev.tendril.policy.adapters.kafka;

import dev.tendril.policy.adapters.PolicyServiceConfig;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.topics.Batch;
import dev.tendril.topics.FollowerHandler;
import dev.tendril.topics.FollowerStatus;
import dev.tendril.topics.KafkaClientSettings;
import dev.tendril.topics.PeerFollowers;
import dev.tendril.topics.RejectedRecord;
import dev.tendril.topics.TopicFollower;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Follows tendril.identities and tendril.endpoints with a {@link TopicFollower} (no consumer group; every
 * partition from the beginning: a compacted topic read from the start is the snapshot), feeding each record
 * to the {@link PolicyRuntime}; and, through {@link MeshInputs}, the replicated identities of every
 * ClusterMesh peer listed in tendril.mesh.peers. Once every local partition reached the end offset captured
 * at the start, and the peers listed at the start did too (or {@code tendril.policy.mesh-bootstrap-timeout}
 * passed: a peer never holds local publishing back for long), the runtime becomes ready (and stands for
 * leader) with a way to make publishers: each creates tendril.policy if missing and reads it back, so a new
 * leader knows what is already published. After a lost connection the follower resumes from the offsets it
 * had reached; meanwhile {@link #kafkaProblem()} says why.
 */
@ApplicationScoped
public class InputsConsumer {

    private static final Logger LOG = Logger.getLogger(InputsConsumer.class);

    @Inject
    PolicyServiceConfig config;

    @Inject
    PolicyRuntime runtime;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private volatile TopicFollower<String, byte[]> follower;
    private volatile PeerFollowers peers;
    private Counter rejected;
    private Counter applied;
    private MeshInputs mesh;
    private volatile boolean localCaughtUp;
    private long started;

    void start(@Observes StartupEvent event) {
        rejected = Counter.builder("tendril.policy.input.rejected")
                .description("Identity and endpoint records skipped as malformed")
                .register(registry);
        applied = Counter.builder("tendril.policy.input.records")
                .description("Identity and endpoint records applied")
                .register(registry);
        started = System.nanoTime();
        String identities = config.topics().identities();
        String services = config.topics().peerServices();
        mesh = new MeshInputs(runtime, services, applied, rejected, this::readyWhenBootstrapped);
        peers = new PeerFollowers(
                        "tendril-policy-mesh",
                        bootstrapServers,
                        config.topics().meshPeers(),
                        peer -> List.of(peer + "." + identities, peer + "." + services),
                        KafkaClientSettings.fromConfig(),
                        mesh)
                .start();
        follower = TopicFollower.builder(new StringDeserializer(), new ByteArrayDeserializer())
                .name("tendril-policy-inputs")
                .bootstrapServers(bootstrapServers)
                .consumerProperties(KafkaClientSettings.fromConfig())
                .topics(config.topics().identities(), config.topics().endpoints())
                .handler(new Inputs())
                .start();
    }

    void stop(@Observes ShutdownEvent event) {
        TopicFollower<String, byte[]> f = follower;
        if (f != null) {
            f.close();
        }
        PeerFollowers p = peers;
        if (p != null) {
            p.close();
        }
    }

    /**
     * Makes the runtime ready once the local inputs and the peers listed at the start are bootstrapped, or the
     * local inputs are and the peers took longer than the bound; on any follower's thread.
     */
    private synchronized void readyWhenBootstrapped() {
        if (!localCaughtUp || runtime.isReady()) {
            return;
        }
        boolean peersDone = mesh.bootstrapped();
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        if (!peersDone && waited.compareTo(config.meshBootstrapTimeout()) < 0) {
            return;
        }
        if (!peersDone) {
            LOG.warnf(
                    "publishing without waiting longer for ClusterMesh peers %s (tendril.policy.mesh-bootstrap-timeout"
                            + " %s): their identities follow as deltas",
                    mesh.waitingFor().map(Object::toString).orElse("(peer list not read yet)"),
                    config.meshBootstrapTimeout());
        }
        runtime.ready(InputsConsumer.this::publisher, InputsConsumer.this::servicesPublisher);
    }

    /** The ClusterMesh peers whose identities this service follows, by name. */
    public Map<String, MeshInputs.PeerView> meshPeers() {
        return mesh == null ? Map.of() : mesh.peers();
    }

    /** A consumer outside CDI, for a second replica in one JVM (tests, benchmarks). */
    public static InputsConsumer replica(
            PolicyServiceConfig config, PolicyRuntime runtime, MeterRegistry registry, String bootstrapServers) {
        InputsConsumer consumer = new InputsConsumer();
        consumer.config = config;
        consumer.runtime = runtime;
        consumer.registry = registry;
        consumer.bootstrapServers = bootstrapServers;
        return consumer;
    }

    public void startReplica() {
        start(null);
    }

    public void stopReplica() {
        stop(null);
    }

    /**
     * A tendril.policy (and tendril.policy.revisions) publisher of a new leadership: the topics created if missing
     * and read back.
     */
    private PolicyPublisher publisher() {
        return KeyedTopicPublisher.readyToPublish(new PolicyPublisher(
                clientSettings("tendril-policy-publisher"),
                config.topics().policy(),
                config.topics().policyRevisions(),
                config.topics().policyPartitions(),
                registry));
    }

    /** A tendril.services publisher of a new leadership: the topic created if missing and read back. */
    private ServicesPublisher servicesPublisher() {
        return KeyedTopicPublisher.readyToPublish(new ServicesPublisher(
                clientSettings("tendril-policy-services-publisher"),
                config.topics().services()));
    }

    private Map<String, Object> clientSettings(String clientId) {
        return KafkaClientSettings.fromConfigWith(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                CommonClientConfigs.CLIENT_ID_CONFIG,
                clientId));
    }

    /** Why Kafka is unusable right now, if it is. */
    public Optional<String> kafkaProblem() {
        TopicFollower<String, byte[]> f = follower;
        return f == null
                ? Optional.empty()
                : f.status().problem().map(p -> "Kafka unreachable at " + bootstrapServers + ": " + p.message());
    }

    /** The records into the runtime, on the follower's thread. */
    private final class Inputs implements FollowerHandler<String, byte[]> {

        @Override
        public void apply(Batch<String, byte[]> batch) {
            batch.forEach(InputsConsumer.this::replay);
        }

        @Override
        public void caughtUp(FollowerStatus status) {
            LOG.infof("bootstrapped from %d identity and endpoint records", status.recordsApplied());
            localCaughtUp = true;
            readyWhenBootstrapped();
        }

        @Override
        public void rejected(RejectedRecord record) {
            rejected.increment();
        }

        @Override
        public void periodically(FollowerStatus status) {
            readyWhenBootstrapped();
            if (status.caughtUp()) {
                runtime.retryFailedPublishes();
            }
        }
    }

    private void replay(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            reject(r, "no key");
            return;
        }
        try {
            if (r.topic().equals(config.topics().identities())) {
                long id = ProtoMapping.identityKey(r.key());
                if (r.value() == null) {
                    runtime.removeIdentity(id);
                } else {
                    runtime.upsertIdentity(ProtoMapping.identity(r.key(), r.value()));
                }
            } else if (r.value() == null) {
                runtime.removeEndpoint(r.key());
            } else {
                runtime.upsertEndpoint(ProtoMapping.endpoint(r.key(), r.value()));
            }
            applied.increment();
        } catch (IllegalArgumentException e) {
            reject(r, e.getMessage());
        } catch (RuntimeException e) {
            // Not a malformed record but a failure applying it: still one record, not the whole stream.
            LOG.errorf(e, "applying %s-%d@%d failed", r.topic(), r.partition(), r.offset());
            reject(r, e.toString());
        }
    }

    private void reject(ConsumerRecord<String, byte[]> r, String why) {
        // One bad record must not stop the service from following everything else.
        rejected.increment();
        LOG.warnf("skipping %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), why);
    }
}
