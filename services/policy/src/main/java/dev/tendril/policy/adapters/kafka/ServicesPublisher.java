package dev.tendril.policy.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.eventstore.KafkaTopics;
import dev.tendril.policy.app.ServicePublisher;
import dev.tendril.policy.lb.ServiceLb;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * Publishes Services to the compacted topic {@code tendril.services}: key {@code namespace/name}, value
 * {@code ServiceMaps}, a tombstone when the Service is gone. As {@link PolicyPublisher}: it reads the topic
 * back when made, and sends a Service only when its content differs, with a revision one higher than the
 * last one published. A failed send leaves the Service unknown, so the next reconcile sends it again.
 */
public final class ServicesPublisher implements ServicePublisher {

    private static final Logger LOG = Logger.getLogger(ServicesPublisher.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What the topic holds for a Service: content without revision (null: unknown, resend) and its revision. */
    private record Published(ServiceMaps content, long revision) {}

    private final Map<String, Object> kafka;
    private final String topic;
    private final Map<String, Published> topicState = new ConcurrentHashMap<>();
    private final Set<String> unknown = ConcurrentHashMap.newKeySet();
    private KafkaProducer<String, byte[]> producer;

    public ServicesPublisher(Map<String, Object> kafka, String topic) {
        this.kafka = Map.copyOf(kafka);
        this.topic = topic;
    }

    @Override
    public String topic() {
        return topic;
    }

    /** The record value of a Service's content, revision 0. */
    public static ServiceMaps content(ServiceLb s) {
        ServiceMaps.Builder b = ServiceMaps.newBuilder()
                .setNamespace(s.namespace())
                .setName(s.name())
                .setType(s.type())
                .addAllConditions(s.conditions());
        for (ServiceLb.Frontend f : s.frontends()) {
            b.addFrontends(LbFrontend.newBuilder()
                    .setAddress(f.address())
                    .setPort(f.port())
                    .setProtocol(f.protocol())
                    .setPortName(f.portName())
                    .setRevNatIndex(f.revNatIndex())
                    .setFlags(f.flags())
                    .setFlags2(f.flags2())
                    .setAffinityTimeoutSeconds(f.affinityTimeoutSeconds())
                    .setNodeLocal(f.nodeLocal())
                    .addAllBackendIds(
                            f.backendIds().stream().map(Long::intValue).toList()));
        }
        for (ServiceLb.Backend be : s.backends()) {
            b.addBackends(LbBackend.newBuilder()
                    .setId((int) be.id())
                    .setAddress(be.address())
                    .setPort(be.port())
                    .setProtocol(be.protocol())
                    .setState(be.state())
                    .setNode(be.node())
                    .setPod(be.pod()));
        }
        return b.build();
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
            a.createTopics(List.of(KafkaTopics.compacted(topic, 1))).all().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause(), e);
            }
        }
    }

    /** Reads the topic from the beginning to its current end: what is already published, at which revision. */
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
            while (!reached(c, end)) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    readBack(r);
                }
            }
            LOG.infof("%s holds %d Services", topic, topicState.size());
        }
    }

    private void readBack(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            return;
        }
        if (r.value() == null) {
            // A tombstone keeps the revision, so a re-created Service's records still increase.
            Published before = topicState.get(r.key());
            topicState.put(
                    r.key(), new Published(ServiceMaps.getDefaultInstance(), before == null ? 0 : before.revision()));
            return;
        }
        try {
            ServiceMaps value = ServiceMaps.parseFrom(r.value());
            topicState.put(
                    r.key(), new Published(value.toBuilder().clearRevision().build(), value.getRevision()));
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("%s-%d@%d is not a ServiceMaps; it is sent again", r.topic(), r.partition(), r.offset());
            topicState.put(r.key(), new Published(null, 0));
        }
    }

    @Override
    public int reconcile(Map<String, ServiceLb> services) {
        List<String> gone = new ArrayList<>();
        topicState.forEach((key, p) -> {
            if (!services.containsKey(key) && !isTombstone(p)) {
                gone.add(key);
            }
        });
        return send(services.values(), gone);
    }

    @Override
    public int publish(Collection<ServiceLb> changed, Collection<String> removed) {
        return send(changed, removed);
    }

    private static boolean isTombstone(Published p) {
        return p.content() != null && p.content().equals(ServiceMaps.getDefaultInstance());
    }

    private int send(Collection<ServiceLb> changed, Collection<String> removed) {
        Map<String, Future<RecordMetadata>> futures = new HashMap<>();
        Map<String, Published> next = new HashMap<>();
        for (ServiceLb s : changed) {
            ServiceMaps content = content(s);
            Published current = topicState.get(s.key());
            if (current != null && content.equals(current.content()) && !unknown.contains(s.key())) {
                continue;
            }
            long revision = (current == null ? 0 : current.revision()) + 1;
            futures.put(
                    s.key(),
                    send(
                            s.key(),
                            content.toBuilder().setRevision(revision).build().toByteArray()));
            next.put(s.key(), new Published(content, revision));
        }
        for (String key : removed) {
            Published current = topicState.get(key);
            if (current == null || (isTombstone(current) && !unknown.contains(key))) {
                continue;
            }
            futures.put(key, send(key, null));
            next.put(key, new Published(ServiceMaps.getDefaultInstance(), current.revision()));
        }
        if (futures.isEmpty()) {
            return 0;
        }
        producer().flush();
        int sent = 0;
        for (Map.Entry<String, Future<RecordMetadata>> e : futures.entrySet()) {
            try {
                e.getValue().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                topicState.put(e.getKey(), next.get(e.getKey()));
                unknown.remove(e.getKey());
                sent++;
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                unknown.add(e.getKey());
            } catch (ExecutionException | TimeoutException ex) {
                LOG.errorf("publishing %s to %s failed (retried on the next reconcile): %s", e.getKey(), topic, ex);
                unknown.add(e.getKey());
                topicState.put(
                        e.getKey(), new Published(null, next.get(e.getKey()).revision()));
            }
        }
        return sent;
    }

    private Future<RecordMetadata> send(String key, byte[] value) {
        return producer().send(new ProducerRecord<>(topic, key, value));
    }

    @Override
    public boolean hasFailures() {
        return !unknown.isEmpty();
    }

    @Override
    public long publishedRevision(String key) {
        Published p = topicState.get(key);
        return p == null || isTombstone(p) ? 0 : p.revision();
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> props = new HashMap<>(kafka);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
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
