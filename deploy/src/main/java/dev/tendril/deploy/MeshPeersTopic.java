package dev.tendril.deploy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The compacted topic {@code tendril.mesh.peers} as the launcher writes it: created at start, a record per peer. */
final class MeshPeersTopic {

    private static final int TIMEOUT_SECONDS = 30;
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

    private MeshPeersTopic() {}

    /** Creates the topic (1 partition, compacted, the broker's default replication factor) unless it exists. */
    static void ensure(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
        try {
            admin.createTopics(List.of(new NewTopic(KafkaAcls.MESH_PEERS, 1, (short) -1)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** Writes the peer's record (or its tombstone, {@code value} null) with the client {@code properties}. */
    static void publish(Map<String, Object> client, String name, byte[] value)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> properties = new LinkedHashMap<>(client);
        properties.put("key.serializer", ByteArraySerializer.class.getName());
        properties.put("value.serializer", ByteArraySerializer.class.getName());
        properties.put("acks", "all");
        // Bounded: the producer's defaults wait up to 60 s for metadata and its close() for ever for the record.
        properties.put("max.block.ms", TIMEOUT_SECONDS * 1000);
        properties.put("delivery.timeout.ms", TIMEOUT_SECONDS * 1000);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties);
        try {
            producer.send(new ProducerRecord<>(KafkaAcls.MESH_PEERS, name.getBytes(StandardCharsets.UTF_8), value))
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } finally {
            producer.close(CLOSE_GRACE);
        }
    }
}
