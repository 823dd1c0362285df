package dev.tendril.policy.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.tendril.eventstore.KafkaTopics;
import dev.tendril.policy.app.TopicPublisher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
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
 * Publishes keyed values to a compacted topic, a tombstone when a key is gone: it remembers what the topic
 * holds (read back from the beginning, {@link #readBack}) and sends a key only when its content differs,
 * with the key's revision one higher than the last one published (a tombstone keeps the revision, so a
 * re-created key's records still increase). Sends wait for all in-sync replicas' acks (idempotent producer).
 *
 * <p>One thread sends ({@link #reconcile}, {@link #publish}): the runtime's publishing thread, never a
 * request. What it knows of the topic may be read from any thread. A send that fails leaves the key marked
 * unknown ({@link #hasFailures}), so the next {@link #reconcile} sends it again. A subclass says the format:
 * the key and content of a value, and the record of a content at a revision.
 *
 * @param <K> the record key, written as its {@code toString()}
 * @param <V> what a key holds
 * @param <M> the record value without its revisions
 */
public abstract class KeyedTopicPublisher<K extends Comparable<K>, V, M extends Message>
        implements TopicPublisher<K, V> {

    private static final Logger LOG = Logger.getLogger(KeyedTopicPublisher.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int BATCH_BYTES = 512 * 1024;

    /** What the topic holds for a key: content without revisions (null: unknown, resend) and its revision. */
    public record Published<M>(M content, long revision) {}

    private final Map<String, Object> kafka;
    private final String topic;
    private final int partitions;
    private final IntConsumer sentCounter;
    private final Map<K, Published<M>> topicState = new ConcurrentSkipListMap<>();
    private final Map<K, Long> lastRevision = new ConcurrentHashMap<>();
    /** Keys whose send failed and that no later send fixed: what the topic holds for them is unknown. */
    private final Set<K> unknown = ConcurrentHashMap.newKeySet();

    private KafkaProducer<String, byte[]> producer;

    /** {@code sentCounter} hears of the records each send got acknowledged. */
    protected KeyedTopicPublisher(Map<String, Object> kafka, String topic, int partitions, IntConsumer sentCounter) {
        this.kafka = Map.copyOf(kafka);
        this.topic = topic;
        this.partitions = partitions;
        this.sentCounter = sentCounter;
    }

    /** The key a value is published under. */
    protected abstract K key(V value);

    /** The key a record key names; null when it names none (the record is skipped). */
    protected abstract K parseKey(String recordKey);

    /** A subject identity written as its decimal ({@code "312"}), the key of the policy topics; null otherwise. */
    protected static Long subjectKey(String recordKey) {
        try {
            return Long.parseLong(recordKey);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The record value of a value, without revisions. */
    protected abstract M content(V value);

    /** A record value read back: its content without revisions, and its revision. */
    protected abstract Published<M> parse(byte[] record) throws InvalidProtocolBufferException;

    /** The record of {@code content} as the key's {@code revision}, written at {@code writeRevision}. */
    protected abstract byte[] record(M content, long revision, long writeRevision);

    @Override
    public String topic() {
        return topic;
    }

    /**
     * The publisher of a new leadership: its topic created if missing and read back; closed, and the failure
     * thrown, when Kafka cannot be reached.
     */
    public static <P extends KeyedTopicPublisher<?, ?, ?>> P readyToPublish(P publisher) {
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
            LOG.infof("%s holds %d keys (%d records read back)", topic, topicState.size(), records);
        }
    }

    private void readBack(ConsumerRecord<String, byte[]> r) {
        K key = r.key() == null ? null : parseKey(r.key());
        if (key == null) {
            LOG.warnf(
                    "skipping %s-%d@%d: key '%s' names nothing published here",
                    r.topic(), r.partition(), r.offset(), r.key());
            return;
        }
        if (r.value() == null) {
            topicState.remove(key);
            return;
        }
        try {
            Published<M> value = parse(r.value());
            topicState.put(key, value);
            lastRevision.merge(key, value.revision(), Math::max);
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("%s-%d@%d does not parse; its key is sent again", r.topic(), r.partition(), r.offset());
            topicState.put(key, new Published<>(null, lastRevision.getOrDefault(key, 0L)));
        }
    }

    @Override
    public int reconcile(Map<K, V> all, Collection<K> keep, long revision) {
        List<K> gone = topicState.keySet().stream()
                .filter(k -> !all.containsKey(k) && !keep.contains(k))
                .toList();
        return send(all.values(), gone, revision);
    }

    @Override
    public int publish(Collection<V> changed, Collection<K> removed, long revision) {
        return send(changed, removed, revision);
    }

    /** What the topic holds for a key, if anything. */
    public Optional<Published<M>> published(K key) {
        return Optional.ofNullable(topicState.get(key));
    }

    /** What the topic holds, by key. */
    public Map<K, Published<M>> published() {
        return Collections.unmodifiableMap(topicState);
    }

    @Override
    public long publishedRevision(K key) {
        Published<M> published = topicState.get(key);
        return published == null ? 0 : published.revision();
    }

    @Override
    public boolean hasFailures() {
        return !unknown.isEmpty();
    }

    @Override
    public Set<K> unknown() {
        return new TreeSet<>(unknown);
    }

    private int send(Collection<V> changed, Collection<K> removed, long writeRevision) {
        Map<K, Future<RecordMetadata>> sent = new TreeMap<>();
        Map<K, Published<M>> before = new HashMap<>();
        for (V v : changed) {
            K key = key(v);
            M content = content(v);
            Published<M> current = topicState.get(key);
            if (current != null && content.equals(current.content())) {
                continue;
            }
            long revision = lastRevision.getOrDefault(key, 0L) + 1;
            before.put(key, current);
            Future<RecordMetadata> future = send(key, record(content, revision, writeRevision), current);
            if (future == null) {
                continue;
            }
            sent.put(key, future);
            topicState.put(key, new Published<>(content, revision));
            lastRevision.put(key, revision);
            unknown.remove(key);
        }
        for (K key : removed) {
            Published<M> current = topicState.remove(key);
            if (current == null) {
                continue;
            }
            before.put(key, current);
            unknown.remove(key);
            Future<RecordMetadata> future = send(key, null, current);
            if (future != null) {
                sent.put(key, future);
            }
        }
        if (sent.isEmpty()) {
            return 0;
        }
        producer().flush();
        int ok = 0;
        for (Map.Entry<K, Future<RecordMetadata>> e : sent.entrySet()) {
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
        sentCounter.accept(ok);
        return ok;
    }

    /** The record's future; null when the producer refused it at once (the key is then unknown). */
    private Future<RecordMetadata> send(K key, byte[] value, Published<M> before) {
        try {
            return producer().send(new ProducerRecord<>(topic, key.toString(), value));
        } catch (RuntimeException e) {
            failed(key, before, e);
            return null;
        }
    }

    private void failed(K key, Published<M> before, Exception e) {
        unknown.add(key);
        LOG.errorf("publishing %s to %s failed (retried on the next reconcile): %s", key, topic, e);
        // Unknown content: the next reconcile sends the key (or its tombstone) again.
        long revision = lastRevision.getOrDefault(key, before == null ? 0L : before.revision());
        topicState.put(key, new Published<>(null, revision));
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

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
