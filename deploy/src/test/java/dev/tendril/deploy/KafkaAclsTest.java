package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.security.Credential;
import dev.tendril.security.StackCredentials;
import dev.tendril.security.Subject;
import dev.tendril.testing.BrokerSecurity;
import dev.tendril.testing.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's broker (mutual TLS, {@link KafkaAcls}) refuses whoever the ACLs do not name, and what it refuses
 * leaves the topic as it was. Clients connect the way the launcher's children do: from the {@code kafka.*}
 * properties and PEM files {@link StackSecrets} writes.
 */
class KafkaAclsTest {

    private static final List<String> TOPICS = List.of(
            KafkaAcls.IDENTITIES,
            KafkaAcls.ENDPOINTS,
            KafkaAcls.NODES,
            KafkaAcls.POLICY,
            KafkaAcls.POLICY_REVISIONS,
            KafkaAcls.FLOWS,
            "tendril.identity.events");

    @TempDir
    static Path dir;

    private static KafkaBroker broker;
    private static StackSecrets secrets;
    private static Admin admin;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        secrets = new StackSecrets(dir.resolve("pki"));
        broker = KafkaBroker.startSecured(
                dir.resolve("kafka"), 0, KafkaProcess.security(secrets.credentials(), Instant.now()));
        admin = Admin.create(broker.adminClientProperties());
        KafkaAcls.apply(admin, List.of("node-1"));
        admin.createTopics(TOPICS.stream()
                        .map(topic -> new NewTopic(topic, 1, (short) 1))
                        .toList())
                .all()
                .get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aServiceWritesItsOwnTopicsAndAnAgentReadsTheMapTopics() throws Exception {
        long before = end(KafkaAcls.POLICY);

        send(service("policy"), KafkaAcls.POLICY, "subject-1", "policy map");

        assertThat(end(KafkaAcls.POLICY)).isEqualTo(before + 1);
        try (var consumer = consumer(node("node-1"))) {
            TopicPartition partition = new TopicPartition(KafkaAcls.POLICY, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            assertThat(consumer.endOffsets(List.of(partition), Duration.ofSeconds(10)))
                    .containsEntry(partition, before + 1);
        }
    }

    @Test
    void thePolicyServiceWritesTheRevisionsThatAgentsReadAndAnAgentCannotWriteOne() throws Exception {
        long before = end(KafkaAcls.POLICY_REVISIONS);

        send(service("policy"), KafkaAcls.POLICY_REVISIONS, "subject-1", "revision 7");
        assertThatThrownBy(() -> send(node("node-1"), KafkaAcls.POLICY_REVISIONS, "subject-1", "revision 99"))
                .hasCauseInstanceOf(TopicAuthorizationException.class);

        assertThat(end(KafkaAcls.POLICY_REVISIONS)).isEqualTo(before + 1);
        try (var consumer = consumer(node("node-1"))) {
            TopicPartition partition = new TopicPartition(KafkaAcls.POLICY_REVISIONS, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            assertThat(consumer.poll(Duration.ofSeconds(10)).records(partition))
                    .extracting(org.apache.kafka.clients.consumer.ConsumerRecord::value)
                    .last()
                    .isEqualTo("revision 7");
        }
    }

    @Test
    void anAgentProducingToThePolicyTopicIsRefusedAndTheTopicIsUnchanged() throws Exception {
        long before = end(KafkaAcls.POLICY);

        assertThatThrownBy(() -> send(node("node-1"), KafkaAcls.POLICY, "subject-1", "allow everything"))
                .hasCauseInstanceOf(TopicAuthorizationException.class);

        assertThat(end(KafkaAcls.POLICY)).isEqualTo(before);
    }

    @Test
    void anAgentWritesFlowsButTheFlowsServiceOnlyReadsThem() throws Exception {
        long before = end(KafkaAcls.FLOWS);

        send(node("node-1"), KafkaAcls.FLOWS, "node-1", "flow");
        assertThatThrownBy(() -> send(service("flows"), KafkaAcls.FLOWS, "node-1", "forged flow"))
                .hasCauseInstanceOf(TopicAuthorizationException.class);

        assertThat(end(KafkaAcls.FLOWS)).isEqualTo(before + 1);
    }

    @Test
    void aServiceWritingAnotherServicesTopicIsRefusedAndTheTopicIsUnchanged() throws Exception {
        long nodes = end(KafkaAcls.NODES);
        long events = end("tendril.identity.events");

        assertThatThrownBy(() -> send(service("identity"), KafkaAcls.NODES, "node-9", "node"))
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> send(service("ipam"), "tendril.identity.events", "stream", "event"))
                .hasCauseInstanceOf(TopicAuthorizationException.class);

        assertThat(end(KafkaAcls.NODES)).isEqualTo(nodes);
        assertThat(end("tendril.identity.events")).isEqualTo(events);
    }

    @Test
    void aNodeTheStackDoesNotRunCannotReadTheMapTopics() {
        try (var consumer = consumer(node("node-2"))) {
            assertThatThrownBy(() -> consumer.partitionsFor(KafkaAcls.IDENTITIES, Duration.ofSeconds(10)))
                    .isInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void aPlaintextClientIsRefusedAndTheTopicIsUnchanged() throws Exception {
        long before = end(KafkaAcls.POLICY);
        Map<String, Object> plaintext = new HashMap<>();

        assertThatThrownBy(() -> send(plaintext, KafkaAcls.POLICY, "subject-1", "allow everything"))
                .hasRootCauseInstanceOf(TimeoutException.class);

        assertThat(end(KafkaAcls.POLICY)).isEqualTo(before);
    }

    @Test
    void aCertificateFromAnotherAuthorityIsRefusedAndTheTopicIsUnchanged() throws Exception {
        long before = end(KafkaAcls.POLICY);
        StackCredentials foreign = StackCredentials.in(dir.resolve("foreign-pki"));
        Credential policy = foreign.ensureService("policy", List.of(), Instant.now());
        Map<String, Object> impostor = BrokerSecurity.clientProperties(
                secrets.credentials().authority().certificate(), policy.certificate(), policy.privateKey());

        assertThatThrownBy(() -> send(impostor, KafkaAcls.POLICY, "subject-1", "allow everything"))
                .hasCauseInstanceOf(SslAuthenticationException.class);

        assertThat(end(KafkaAcls.POLICY)).isEqualTo(before);
    }

    @Test
    void applyingAgainWithOtherNodesTakesAccessFromTheNodesThatLeft() throws Exception {
        // Allowed first, so that the broker's authorizer remembers the answer (CachingAuthorizer) and must forget it.
        send(node("node-1"), KafkaAcls.FLOWS, "node-1", "flow before");
        try {
            // Only removals: no ACL added afterwards that would clear the answers for another reason.
            KafkaAcls.apply(admin, List.of());
            assertThatThrownBy(() -> send(node("node-1"), KafkaAcls.FLOWS, "node-1", "flow"))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);

            KafkaAcls.apply(admin, List.of("node-3"));

            assertThatThrownBy(() -> send(node("node-1"), KafkaAcls.FLOWS, "node-1", "flow"))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            send(node("node-3"), KafkaAcls.FLOWS, "node-3", "flow");
        } finally {
            KafkaAcls.apply(admin, List.of("node-1"));
        }
    }

    private static Map<String, Object> service(String name) {
        return clientOf(secrets.kafkaClient(name, Subject.service(name), Instant.now()));
    }

    private static Map<String, Object> node(String name) {
        return clientOf(secrets.kafkaClient(name, Subject.node(name), Instant.now()));
    }

    /** A child's {@code kafka.*} properties as client properties, the way KafkaClientSettings reads them. */
    private static Map<String, Object> clientOf(Map<String, String> childProperties) {
        Map<String, Object> client = new HashMap<>();
        childProperties.forEach((key, value) -> client.put(key.substring("kafka.".length()), value));
        return client;
    }

    private static void send(Map<String, Object> client, String topic, String key, String value)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        Map<String, Object> properties = new HashMap<>(client);
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (var producer = new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static KafkaConsumer<String, String> consumer(Map<String, Object> client) {
        Map<String, Object> properties = new HashMap<>(client);
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
    }

    /** The topic's end offset, read as the broker itself. */
    private static long end(String topic) {
        try (var consumer = consumer(broker.adminClientProperties())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            return consumer.endOffsets(List.of(partition), Duration.ofSeconds(10))
                    .get(partition);
        }
    }
}
