package dev.tendril.policy.adapters.kafka;

import dev.tendril.policy.adapters.PolicyServiceConfig;
import dev.tendril.policy.app.PolicyRuntime;
import io.micrometer.core.instrument.Counter;
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
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 * Follows tendril.identities and tendril.endpoints on one thread, without a consumer group: assigns
 * every partition and reads from the beginning (a compacted topic read from the start is the snapshot),
 * feeding each record to the {@link PolicyRuntime}. Once every partition reached the end offset
 * captured at the start, the runtime becomes ready (and stands for leader) with a way to make publishers:
 * each creates tendril.policy if missing and reads it back, so a new leader knows what is already
 * published. After a lost connection the consumer resumes from the offsets it had reached.
 */
@ApplicationScoped
public class InputsConsumer {

    private static final Logger LOG = Logger.getLogger(InputsConsumer.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(5);

    @Inject
    PolicyServiceConfig config;

    @Inject
    PolicyRuntime runtime;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private volatile boolean stopping;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile Optional<String> kafkaProblem = Optional.empty();
    private Thread thread;
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private Counter rejected;
    private Counter applied;

    void start(@Observes StartupEvent event) {
        rejected = Counter.builder("tendril.policy.input.rejected")
                .description("Identity and endpoint records skipped as malformed").register(registry);
        applied = Counter.builder("tendril.policy.input.records")
                .description("Identity and endpoint records applied").register(registry);
        thread = Thread.ofPlatform().name("tendril-policy-inputs").daemon().start(this::run);
    }

    void stop(@Observes ShutdownEvent event) {
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

    /** A consumer outside CDI, for a second replica in one JVM (tests, benchmarks). */
    public static InputsConsumer replica(PolicyServiceConfig config, PolicyRuntime runtime, MeterRegistry registry,
            String bootstrapServers) {
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

    /** A publisher of a new leadership: the topic created if missing and read back. */
    private PolicyPublisher publisher() {
        PolicyPublisher publisher = new PolicyPublisher(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers, CommonClientConfigs.CLIENT_ID_CONFIG, "tendril-policy-publisher"),
                config.topics().policy(), config.topics().policyPartitions(), registry);
        try {
            publisher.ensureTopic();
            publisher.readBack();
            return publisher;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            publisher.close();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            publisher.close();
            throw new IllegalStateException(e.toString(), e);
        }
    }

    /** Why Kafka is unusable right now, if it is. */
    public Optional<String> kafkaProblem() {
        return kafkaProblem;
    }

    private void run() {
        while (!stopping) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProperties())) {
                consumer = c;
                if (!runtime.isReady()) {
                    catchUp(c);
                    if (stopping) {
                        return;
                    }
                    runtime.ready(this::publisher);
                } else {
                    resume(c);
                }
                kafkaProblem = Optional.empty();
                follow(c);
            } catch (WakeupException e) {
                if (stopping) {
                    return;
                }
            } catch (Exception e) {
                degraded(e);
                sleep(Duration.ofSeconds(1));
            } finally {
                consumer = null;
            }
        }
    }

    private void catchUp(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> parts = partitions(c);
        c.assign(parts);
        c.seekToBeginning(parts);
        Map<TopicPartition, Long> end = c.endOffsets(parts, KAFKA_TIMEOUT);
        long records = 0;
        Instant started = Instant.now();
        while (!stopping && !reached(c, end)) {
            for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                replay(r);
                records++;
            }
        }
        LOG.infof("bootstrapped from %d identity and endpoint records in %s", records,
                Duration.between(started, Instant.now()));
    }

    private void resume(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> parts = partitions(c);
        c.assign(parts);
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition p : parts) {
            Long at = positions.get(p);
            if (at == null) {
                fresh.add(p);
            } else {
                c.seek(p, at);
            }
        }
        c.seekToBeginning(fresh);
    }

    private void follow(KafkaConsumer<String, byte[]> c) {
        Instant nextCheck = Instant.now().plus(CHECK_EVERY);
        while (!stopping) {
            if (c.assignment().isEmpty()) {
                sleep(POLL);
            } else {
                for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                    replay(r);
                }
            }
            if (Instant.now().isAfter(nextCheck)) {
                nextCheck = Instant.now().plus(CHECK_EVERY);
                check(c);
                runtime.retryFailedPublishes();
            }
        }
    }

    /** Picks up partitions of topics created meanwhile and notices an unreachable broker. */
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
            c.endOffsets(now, KAFKA_TIMEOUT);
            if (kafkaProblem.isPresent()) {
                LOG.info("Kafka reachable again");
                kafkaProblem = Optional.empty();
            }
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            degraded(e);
        }
    }

    private void replay(ConsumerRecord<String, byte[]> r) {
        positions.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
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

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> out = new ArrayList<>();
        for (String topic : List.of(config.topics().identities(), config.topics().endpoints())) {
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

    private void degraded(Exception e) {
        String problem = "Kafka unreachable at " + bootstrapServers + ": " + e;
        if (kafkaProblem.isEmpty()) {
            LOG.warnf("%s; policy maps keep their last published content", problem);
        }
        kafkaProblem = Optional.of(problem);
    }

    private java.util.Properties consumerProperties() {
        java.util.Properties p = new java.util.Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "tendril-policy-inputs");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
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
