package dev.tendril.policy.adapters;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.NamedPort;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.testing.SharedInfrastructure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Produces identity and endpoint records as the identity service would, and reads tendril.policy back. */
public final class TestTopics {

    public static final String IDENTITIES = "tendril.identities";
    public static final String ENDPOINTS = "tendril.endpoints";
    public static final String POLICY = "tendril.policy";
    public static final String REVISIONS = "tendril.policy.revisions";

    private TestTopics() {}

    public static String bootstrap() {
        return SharedInfrastructure.kafka().bootstrapServers();
    }

    /** A fresh identity number for one test. */
    public static long freshIdentity() {
        return ThreadLocalRandom.current().nextLong(100_000, 60_000_000);
    }

    /** The labels the identity service gives a pod of {@code namespace} with {@code app=<app>}. */
    public static Identity podIdentity(long id, String namespace, String app) {
        return Identity.newBuilder()
                .setId((int) id)
                .addLabels(label("k8s", "app", app))
                .addLabels(label("k8s", "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name", namespace))
                .addLabels(label("k8s", "io.cilium.k8s.policy.cluster", "default"))
                .addLabels(label("k8s", "io.kubernetes.pod.namespace", namespace))
                .build();
    }

    public static Label label(String source, String key, String value) {
        return Label.newBuilder().setSource(source).setKey(key).setValue(value).build();
    }

    public static Endpoint endpoint(String namespace, String pod, long identity, String app, NamedPort... ports) {
        return Endpoint.newBuilder()
                .setNamespace(namespace)
                .setPod(pod)
                .setUid(pod + "-uid")
                .setNode("node-1")
                .setIdentity((int) identity)
                .putLabels("app", app)
                .addAllNamedPorts(List.of(ports))
                .build();
    }

    public static NamedPort namedPort(String name, int port, String protocol) {
        return NamedPort.newBuilder()
                .setName(name)
                .setPort(port)
                .setProtocol(protocol)
                .build();
    }

    public static void send(String topic, String key, byte[] value) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic + ": " + e, e);
        }
    }

    public static void identity(Identity identity) {
        send(IDENTITIES, Integer.toUnsignedString(identity.getId()), identity.toByteArray());
    }

    public static void endpoint(Endpoint endpoint) {
        send(ENDPOINTS, endpoint.getNamespace() + "/" + endpoint.getPod(), endpoint.toByteArray());
    }

    /** Every record of a topic, from the beginning to its current end, by key in offset order (null: tombstone). */
    public static Map<String, List<byte[]>> read(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<String, List<byte[]>> out = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(5));
            if (infos == null) {
                return out;
            }
            infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
                }
            }
        }
        return out;
    }

    /** The records of one subject on tendril.policy, decoded; null for a tombstone. */
    public static List<SubjectPolicyMap> policyRecords(long subject) {
        List<SubjectPolicyMap> out = new ArrayList<>();
        for (byte[] value : read(POLICY).getOrDefault(Long.toString(subject), List.of())) {
            try {
                out.add(value == null ? null : SubjectPolicyMap.parseFrom(value));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** The latest record of a subject, or null when none or a tombstone. */
    public static SubjectPolicyMap latest(long subject) {
        List<SubjectPolicyMap> records = policyRecords(subject);
        return records.isEmpty() ? null : records.get(records.size() - 1);
    }

    public static Map<String, Object> kafkaProperties() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap());
        return props;
    }
}
