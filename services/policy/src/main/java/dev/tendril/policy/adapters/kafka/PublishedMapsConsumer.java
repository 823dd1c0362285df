package dev.tendril.policy.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.policy.adapters.PolicyServiceConfig;
import dev.tendril.topics.Batch;
import dev.tendril.topics.FollowerHandler;
import dev.tendril.topics.FollowerStatus;
import dev.tendril.topics.KafkaClientSettings;
import dev.tendril.topics.RejectedRecord;
import dev.tendril.topics.TopicFollower;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * This replica's reading of tendril.policy, leader or standby alike: a {@link TopicFollower} from the beginning
 * (no consumer group; a missing topic is an empty one) keeping each subject's latest record exactly as published,
 * as its bytes (a parsed map is several times larger than its 4 KB record), for {@code PolicyMaps.GetPolicyMaps}.
 * A record that does not parse, or whose subject is not its key, is logged, counted and skipped.
 */
@ApplicationScoped
public class PublishedMapsConsumer {

    private static final Logger LOG = Logger.getLogger(PublishedMapsConsumer.class);

    @Inject
    PolicyServiceConfig config;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private final Map<Long, byte[]> records = new ConcurrentHashMap<>();
    private volatile boolean caughtUp;
    private volatile TopicFollower<String, byte[]> follower;
    private Counter rejected;

    void start(@Observes StartupEvent event) {
        rejected = Counter.builder("tendril.policy.maps.rejected")
                .description("tendril.policy records the maps API skipped as malformed")
                .register(registry);
        follower = TopicFollower.builder(new StringDeserializer(), new ByteArrayDeserializer())
                .name("tendril-policy-maps")
                .bootstrapServers(bootstrapServers)
                .consumerProperties(KafkaClientSettings.fromConfig())
                .topics(config.topics().policy())
                .handler(new Maps())
                .start();
    }

    void stop(@Observes ShutdownEvent event) {
        TopicFollower<String, byte[]> f = follower;
        if (f != null) {
            f.close();
        }
    }

    /** Whether the follower read tendril.policy to the end offsets it found at start (answers are complete). */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** The subject's latest record on tendril.policy, byte for byte; empty when none or a tombstone. */
    public Optional<byte[]> record(long subject) {
        return Optional.ofNullable(records.get(subject));
    }

    /** Why the follower cannot read tendril.policy right now, if it cannot. */
    public Optional<String> kafkaProblem() {
        TopicFollower<String, byte[]> f = follower;
        return f == null ? Optional.empty() : f.status().problem().map(p -> p.message());
    }

    private void replay(ConsumerRecord<String, byte[]> r) {
        long subject;
        try {
            subject = r.key() == null ? -1 : Long.parseLong(r.key());
        } catch (NumberFormatException e) {
            subject = -1;
        }
        if (subject <= 0 || subject > 0xFFFF_FFFFL) {
            reject(r, "key '" + r.key() + "' is no subject identity");
            return;
        }
        if (r.value() == null) {
            records.remove(subject);
            return;
        }
        try {
            int named = SubjectPolicyMap.parseFrom(r.value()).getSubject();
            if (Integer.toUnsignedLong(named) != subject) {
                reject(r, "its subject " + Integer.toUnsignedString(named) + " is not its key");
                return;
            }
        } catch (InvalidProtocolBufferException e) {
            reject(r, "no tendril.v1.SubjectPolicyMap: " + e.getMessage());
            return;
        }
        records.put(subject, r.value());
    }

    private void reject(ConsumerRecord<String, byte[]> r, String why) {
        rejected.increment();
        LOG.warnf("skipping %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), why);
    }

    /** The records into the map, on the follower's thread. */
    private final class Maps implements FollowerHandler<String, byte[]> {

        @Override
        public void apply(Batch<String, byte[]> batch) {
            batch.forEach(PublishedMapsConsumer.this::replay);
        }

        @Override
        public void caughtUp(FollowerStatus status) {
            LOG.infof(
                    "maps API: %d subjects from %d %s records",
                    records.size(), status.recordsApplied(), config.topics().policy());
            caughtUp = true;
        }

        @Override
        public void rejected(RejectedRecord record) {
            rejected.increment();
        }
    }
}
