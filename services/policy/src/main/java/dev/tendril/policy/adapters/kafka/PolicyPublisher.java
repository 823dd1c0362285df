package dev.tendril.policy.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.eventstore.KafkaTopics;
import dev.tendril.policy.app.MapPublisher;
import dev.tendril.policy.domain.SubjectPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Publishes subjects' policy maps to the compacted topic {@code tendril.policy}: key the subject
 * identity, value {@code SubjectPolicyMap}, a tombstone when the subject is gone. It remembers what the
 * topic holds (read back from the beginning at start) and sends a subject only when its content differs,
 * with the subject's revision one higher than the last one published.
 *
 * <p>One thread sends ({@link #reconcile}, {@link #publish}): the runtime's publishing thread, never a
 * request. What it knows of the topic ({@link #published}) may be read from any thread. A send that fails
 * leaves the subject marked unknown, so the next {@link #reconcile} sends it again.
 */
public final class PolicyPublisher implements MapPublisher {

    private static final Logger LOG = Logger.getLogger(PolicyPublisher.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int BATCH_BYTES = 512 * 1024;

    /** What the topic holds for a subject: content without revisions (null: unknown, resend) and its revision. */
    public record Published(SubjectPolicyMap content, long revision) {}

    private final Map<String, Object> kafka;
    private final String topic;
    private final int partitions;
    private final Counter published;
    private final Map<Long, Published> topicState = new ConcurrentSkipListMap<>();
    private final Map<Long, Long> lastRevision = new ConcurrentHashMap<>();
    /** Subjects whose send failed and that no later send fixed: what the topic holds for them is unknown. */
    private final Set<Long> unknown = ConcurrentHashMap.newKeySet();

    private KafkaProducer<String, byte[]> producer;

    public PolicyPublisher(Map<String, Object> kafka, String topic, int partitions, MeterRegistry registry) {
        this.kafka = Map.copyOf(kafka);
        this.topic = topic;
        this.partitions = partitions;
        this.published = Counter.builder("tendril.policy.subjects.published")
                .description("Subject policy maps (and tombstones) sent to " + topic)
                .register(registry);
    }

    @Override
    public String topic() {
        return topic;
    }

    /** Creates the topic compacted if it is missing. */
    public void ensureTopic() throws InterruptedException, TimeoutException {
        Map<String, Object> admin = new HashMap<>(kafka);
        admin.putIfAbsent("request.timeout.ms", 5000);
        admin.putIfAbsent("default.api.timeout.ms", 5000);
        try (Admin a = Admin.create(admin)) {
            if (a.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic)) {
                return;
            }
            a.createTopics(List.of(KafkaTopics.compacted(topic, partitions)))
                    .all()
                    .get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause(), e);
            }
        }
    }

    /** Reads the topic from the beginning to its current end: what is already published, and at which revision. */
    public void readBack() {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            List<PartitionInfo> infos = c.partitionsFor(topic, TIMEOUT);
            if (infos != null) {
                infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, TIMEOUT);
            int records = 0;
            while (!reached(c, end)) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    records++;
                    readBack(r);
                }
            }
            LOG.infof("%s holds %d subjects (%d records read back)", topic, topicState.size(), records);
        }
    }

    private void readBack(ConsumerRecord<String, byte[]> r) {
        long subject;
        try {
            subject = Long.parseLong(r.key());
        } catch (NumberFormatException | NullPointerException e) {
            LOG.warnf("skipping %s-%d@%d: key '%s' is not a subject", r.topic(), r.partition(), r.offset(), r.key());
            return;
        }
        if (r.value() == null) {
            topicState.remove(subject);
            return;
        }
        try {
            SubjectPolicyMap value = SubjectPolicyMap.parseFrom(r.value());
            topicState.put(subject, new Published(ProtoMapping.withoutRevisions(value), value.getRevision()));
            lastRevision.merge(subject, value.getRevision(), Math::max);
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("skipping %s-%d@%d: not a SubjectPolicyMap", r.topic(), r.partition(), r.offset());
        }
    }

    /**
     * Makes the topic hold {@code subjects}: sends those whose content differs and tombstones published
     * subjects that are gone, except those in {@code keep} (overflowing subjects keep their last content).
     *
     * @return records sent
     */
    @Override
    public int reconcile(Map<Long, SubjectPolicy> subjects, Collection<Long> keep, long policyRevision) {
        List<Long> gone = topicState.keySet().stream()
                .filter(s -> !subjects.containsKey(s) && !keep.contains(s))
                .toList();
        return send(subjects.values(), gone, policyRevision);
    }

    /**
     * Sends the changed subjects whose content differs from the topic's and tombstones the removed ones.
     *
     * @return records sent
     */
    @Override
    public int publish(Collection<SubjectPolicy> changed, Collection<Long> removed, long policyRevision) {
        return send(changed, removed, policyRevision);
    }

    public Optional<Published> published(long subject) {
        return Optional.ofNullable(topicState.get(subject));
    }

    @Override
    public long publishedRevision(long subject) {
        Published published = topicState.get(subject);
        return published == null ? 0 : published.revision();
    }

    public Map<Long, Published> published() {
        return java.util.Collections.unmodifiableMap(topicState);
    }

    /** Whether a failed send left a subject unknown: a {@link #reconcile} is due. */
    @Override
    public boolean hasFailures() {
        return !unknown.isEmpty();
    }

    private int send(Collection<SubjectPolicy> changed, Collection<Long> removed, long policyRevision) {
        Map<Long, Future<RecordMetadata>> sent = new TreeMap<>();
        Map<Long, Published> before = new HashMap<>();
        for (SubjectPolicy sp : changed) {
            SubjectPolicyMap content = ProtoMapping.content(sp);
            Published current = topicState.get(sp.subject());
            if (current != null && content.equals(current.content())) {
                continue;
            }
            long revision = lastRevision.getOrDefault(sp.subject(), 0L) + 1;
            SubjectPolicyMap value = content.toBuilder()
                    .setRevision(revision)
                    .setPolicyRevision(policyRevision)
                    .build();
            before.put(sp.subject(), current);
            Future<RecordMetadata> future = send(sp.subject(), value.toByteArray(), current);
            if (future == null) {
                continue;
            }
            sent.put(sp.subject(), future);
            topicState.put(sp.subject(), new Published(content, revision));
            lastRevision.put(sp.subject(), revision);
            unknown.remove(sp.subject());
        }
        for (long subject : removed) {
            Published current = topicState.remove(subject);
            if (current == null) {
                continue;
            }
            before.put(subject, current);
            unknown.remove(subject);
            Future<RecordMetadata> future = send(subject, null, current);
            if (future != null) {
                sent.put(subject, future);
            }
        }
        if (sent.isEmpty()) {
            return 0;
        }
        producer().flush();
        int ok = 0;
        for (Map.Entry<Long, Future<RecordMetadata>> e : sent.entrySet()) {
            try {
                e.getValue().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                ok++;
            } catch (ExecutionException | TimeoutException ex) {
                failed(e.getKey(), before.get(e.getKey()), ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                failed(e.getKey(), before.get(e.getKey()), ex);
            }
        }
        published.increment(ok);
        return ok;
    }

    /** The record's future; null when the producer refused it at once (the subject is then unknown). */
    private Future<RecordMetadata> send(long subject, byte[] value, Published before) {
        try {
            return producer().send(new ProducerRecord<>(topic, Long.toString(subject), value));
        } catch (RuntimeException e) {
            failed(subject, before, e);
            return null;
        }
    }

    private void failed(long subject, Published before, Exception e) {
        unknown.add(subject);
        LOG.errorf("publishing subject %d to %s failed (retried on the next reconcile): %s", subject, topic, e);
        // Unknown content: the next reconcile sends the subject (or its tombstone) again.
        long revision = lastRevision.getOrDefault(subject, before == null ? 0L : before.revision());
        topicState.put(subject, new Published(null, revision));
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> props = new HashMap<>(kafka);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            // A policy map record is kilobytes (about 4 KB for 100 to 190 entries); with the default 16 KB
            // batches a change republishing 100 subjects went out as ~25 produce requests of one small
            // batch each, at most 5 in flight, and flush() waited for the chain (docs/BENCHMARKS.md, "Policy
            // change to tendril.policy publish"). Batches stay below the broker's default message.max.bytes (1 MB).
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(BATCH_BYTES));
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
            props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    private static boolean reached(KafkaConsumer<String, byte[]> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey(), TIMEOUT) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Subjects whose content is unknown after a failed send. */
    @Override
    public Set<Long> unknown() {
        return new java.util.TreeSet<>(unknown);
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
