package dev.tendril.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.SharedInfrastructure;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The harness: simulated agents on a real broker each follow the topics into their own ipcache. */
class SimulatedClusterTest {

    @Test
    void everySimulatedAgentWritesAnEndpointPublishedOnTheTopicIntoItsOwnIpcache() throws Exception {
        KafkaBroker kafka = SharedInfrastructure.kafka();
        StateTopics topics =
                StateTopics.prefixed("sim-test-" + UUID.randomUUID().toString().substring(0, 8));
        SimulatedCluster.createTopics(kafka.bootstrapServers(), topics, 1);

        try (SimulatedCluster cluster = SimulatedCluster.start(
                        3, "sim", kafka.bootstrapServers(), topics, SimulatedAgent.IpcacheListener.NONE);
                KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(cluster::allBootstrapped);

            producer.send(new ProducerRecord<>(
                            topics.endpoints(),
                            "shop/web-1",
                            Endpoint.newBuilder()
                                    .setNamespace("shop")
                                    .setPod("web-1")
                                    .setUid("u1")
                                    .setNode("sim-2")
                                    .setIpv4("10.0.2.7")
                                    .setIdentity(1001)
                                    .build()
                                    .toByteArray()))
                    .get();

            byte[] key = IpcacheKey.ofAddress("10.0.2.7").encode();
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (SimulatedAgent agent : cluster.agents()) {
                    Optional<byte[]> value = agent.ipcache().lookup(key);
                    assertThat(value).as(agent.nodeName()).isPresent();
                    assertThat(IpcacheValue.decode(value.get()).identity())
                            .as(agent.nodeName())
                            .isEqualTo(1001);
                }
            });
            assertThat(cluster.agents().get(1).maps().localEndpoints())
                    .as("sim-2's own endpoint")
                    .extracting(LocalEndpoint::key)
                    .containsExactly("shop/web-1");
            assertThat(cluster.agents().get(0).maps().localEndpoints()).isEmpty();
        }
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }
}
