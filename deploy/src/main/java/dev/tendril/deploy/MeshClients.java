package dev.tendril.deploy;

import dev.tendril.security.Credential;
import dev.tendril.security.StackCredentials;
import dev.tendril.testing.BrokerSecurity;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** The Kafka client properties the launcher's ClusterMesh code uses: admin and plain byte consumers over mutual TLS. */
final class MeshClients {

    // Generous: a busy machine (two stacks on two cores) takes seconds for a TLS handshake.
    private static final int REQUEST_TIMEOUT_MS = 15_000;
    private static final int API_TIMEOUT_MS = 30_000;
    // Held so that java.util.logging keeps the level: the launcher's own console is no place for client INFO lines.
    static final java.util.logging.Logger KAFKA_LOGGER = quiet();

    private MeshClients() {}

    private static java.util.logging.Logger quiet() {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("org.apache.kafka");
        logger.setLevel(java.util.logging.Level.WARNING);
        return logger;
    }

    /**
     * The broker's super user of the stack in {@code dataDir} (the local one, or a same-machine peer's): its existing
     * certificate, read only, so that nothing is written into a peer's directory.
     */
    static Map<String, Object> superUser(Path dataDir, String bootstrap) {
        StackCredentials pki = StackCredentials.in(dataDir.resolve(DataDir.PKI));
        return client(pki.authority().certificate(), pki.service(KafkaProcess.BROKER), bootstrap);
    }

    /** A client presenting {@code client} and trusting {@code authority}. */
    static Map<String, Object> client(Path authority, Credential client, String bootstrap) {
        Map<String, Object> properties =
                new HashMap<>(BrokerSecurity.clientProperties(authority, client.certificate(), client.privateKey()));
        return withBasics(properties, bootstrap);
    }

    /** {@code base} as a consumer of byte keys and values that assigns its partitions (no group, no commits). */
    static Map<String, Object> consumer(Map<String, Object> base) {
        Map<String, Object> properties = new HashMap<>(base);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        return properties;
    }

    private static Map<String, Object> withBasics(Map<String, Object> properties, String bootstrap) {
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, REQUEST_TIMEOUT_MS);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, API_TIMEOUT_MS);
        properties.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        return properties;
    }
}
