package dev.tendril.agent.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.sim.StandaloneAgentConfig;
import dev.tendril.agent.state.InMemoryMapBackend;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.SubjectPolicyRevision;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.testing.SharedInfrastructure;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fetch mode's bootstrap, on a real broker and the policy service's API over real gRPC: the image is published (the
 * agent ready) once the topics are read and the first fetch of the local subjects answered, or failed.
 */
class FetchBootstrapTest {

    private final String run = "fetch-boot-" + UUID.randomUUID().toString().substring(0, 8);
    private final String bootstrapServers = SharedInfrastructure.kafka().bootstrapServers();
    private PolicyMapsServer server;
    private ManagedChannel channel;
    private DatapathMaps maps;
    private NodeStateConsumer consumer;

    @BeforeEach
    void publishALocalEndpointAndItsRevision() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            server = new PolicyMapsServer(s.getLocalPort());
        }
        channel = ManagedChannelBuilder.forAddress("localhost", server.port())
                .usePlaintext()
                .build();
        server.put(
                NodeStateSyncTest.policy(2001, 1, PolicyMapKey.of(3001, Direction.INGRESS, IpProtocol.TCP, 80), false));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(
                            run + ".endpoints",
                            "shop/a",
                            Endpoint.newBuilder()
                                    .setNamespace("shop")
                                    .setPod("a")
                                    .setUid("uid-a")
                                    .setNode("node-1")
                                    .setIpv4("10.0.1.10")
                                    .setIdentity(2001)
                                    .build()
                                    .toByteArray()))
                    .get();
            producer.send(new ProducerRecord<>(
                            run + ".policy.revisions",
                            "2001",
                            SubjectPolicyRevision.newBuilder()
                                    .setSubject(2001)
                                    .setRevision(1)
                                    .build()
                                    .toByteArray()))
                    .get();
        }
        Path dir = Files.createTempDirectory(run);
        AgentConfig config = new StandaloneAgentConfig(
                "node-1",
                AgentConfig.Datapath.MEMORY,
                dir.resolve("bpffs"),
                dir,
                Duration.ofHours(1),
                new Fetching(run));
        maps = DatapathMaps.open(config, new SimpleMeterRegistry(), new ObjectMapper(), new InMemoryMapBackend());
        consumer = NodeStateConsumer.create(config, maps, bootstrapServers, Map.of(), server.client(channel));
    }

    @AfterEach
    void stop() {
        consumer.stop();
        maps.close();
        server.release();
        server.stop();
        channel.shutdownNow();
    }

    @Test
    void theBootstrapIsPublishedOnceTheFirstFetchOfTheLocalSubjectsAnswered() throws IOException {
        server.hold();
        server.start();
        consumer.start();

        // The topics are read (the endpoint is known) and the fetch asked, not answered: not bootstrapped yet.
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> server.asked().contains(2001));
        assertThat(consumer.status().bootstrapped()).isFalse();
        assertThat(policyMapOf("shop/a")).isEmpty();

        server.release();

        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> consumer.status().bootstrapped());
        assertThat(consumer.status().image().policies()).containsOnlyKeys(2001L);
        assertThat(policyMapOf("shop/a"))
                .hasValueSatisfying(m -> assertThat(m.entries()).hasSize(1));
        assertThat(consumer.policyFetcher().orElseThrow().problem()).isEmpty();
    }

    @Test
    void aFailedFirstFetchDoesNotHoldTheBootstrapAndTheRetryFillsTheMap() throws IOException {
        consumer.start();

        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> consumer.status().bootstrapped());
        assertThat(consumer.policyFetcher().orElseThrow().problem()).isPresent();
        assertThat(policyMapOf("shop/a"))
                .hasValueSatisfying(m -> assertThat(m.entries()).isEmpty());

        server.start();

        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(policyMapOf("shop/a"))
                        .hasValueSatisfying(m -> assertThat(m.entries()).hasSize(1)));
        assertThat(consumer.policyFetcher().orElseThrow().problem()).isEmpty();
        assertThat(consumer.policyFetcher().orElseThrow().counts().failures()).isPositive();
    }

    /** The policy map of a local endpoint; none before the bootstrap is published. */
    private Optional<BpfMap> policyMapOf(String key) {
        return maps.localEndpoints().stream()
                .filter(e -> e.key().equals(key))
                .findFirst()
                .flatMap(e -> maps.backend().open(e.policyMapName()));
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** The run's topics, policy maps fetched. */
    private record Fetching(String prefix) implements AgentConfig.Sync {

        @Override
        public boolean enabled() {
            return true;
        }

        @Override
        public String identitiesTopic() {
            return prefix + ".identities";
        }

        @Override
        public String endpointsTopic() {
            return prefix + ".endpoints";
        }

        @Override
        public String nodesTopic() {
            return prefix + ".nodes";
        }

        @Override
        public String policyTopic() {
            return prefix + ".policy";
        }

        @Override
        public String servicesTopic() {
            return prefix + ".services";
        }

        @Override
        public AgentConfig.PolicySource policySource() {
            return AgentConfig.PolicySource.FETCH;
        }

        @Override
        public String policyRevisionsTopic() {
            return prefix + ".policy.revisions";
        }

        @Override
        public String meshPeersTopic() {
            return prefix + ".mesh.peers";
        }
    }
}
