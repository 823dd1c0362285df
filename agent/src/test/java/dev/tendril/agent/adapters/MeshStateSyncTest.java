package dev.tendril.agent.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.MeshPeer;
import dev.tendril.api.v1.Node;
import dev.tendril.testing.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The agent follows a ClusterMesh peer on a real broker: the peer's replicated topics are written here as
 * MirrorMaker 2 writes them ({@code <peer>.<topic>}, the peer's keys and protobuf values, tombstones), and
 * the peer is listed in the peer list after the agent started.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@TestProfile(MeshStateSyncTest.SyncOn.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshStateSyncTest {

    static final String RUN = "mesh-test-" + UUID.randomUUID().toString().substring(0, 8);
    static final int WEST_POD = (2 << 16) + 300;
    static final int WEST_DB = (2 << 16) + 301;
    static final int LOCAL_POD = 700;

    public static class SyncOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "tendril.agent.sync.enabled", "true",
                    "tendril.agent.sync.policy-source", "topic",
                    "tendril.agent.sync.identities-topic", RUN + ".identities",
                    "tendril.agent.sync.endpoints-topic", RUN + ".endpoints",
                    "tendril.agent.sync.nodes-topic", RUN + ".nodes",
                    "tendril.agent.sync.policy-topic", RUN + ".policy",
                    "tendril.agent.sync.services-topic", RUN + ".services",
                    "tendril.agent.sync.mesh-peers-topic", RUN + ".mesh.peers");
        }
    }

    /** An ipcache entry as {@code GET /v1/ipcache} shows it. */
    record Entry(String cidr, long identity, String tunnelEndpoint, String cluster) {}

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @jakarta.inject.Inject
    MeshStateConsumer mesh;

    /** How often the mesh told its listeners (the kernel pod network's routes) that a peer's nodes changed. */
    static final java.util.concurrent.atomic.AtomicInteger NODE_CHANGES =
            new java.util.concurrent.atomic.AtomicInteger();

    @Test
    @Order(1)
    void followsAPeerListedAfterStartIntoTheIpcacheWithTunnelEndpoints() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            // The local cluster: one pod on this node.
            send(
                    producer,
                    RUN + ".endpoints",
                    "shop/local",
                    endpoint("shop", "local", "node-1", "10.1.1.5", "", LOCAL_POD)
                            .toByteArray());
            // What MirrorMaker 2 replicated from west before the peer is listed here.
            send(
                    producer,
                    "west." + RUN + ".nodes",
                    "w-1",
                    node("w-1", "192.168.2.1").toByteArray());
            send(
                    producer,
                    "west." + RUN + ".endpoints",
                    "shop/a",
                    endpoint("shop", "a", "w-1", "10.2.1.5", "", WEST_POD).toByteArray());
            awaitIpcacheContains(new Entry("10.1.1.5/32", LOCAL_POD, null, null));

            mesh.onChange(NODE_CHANGES::incrementAndGet);
            send(producer, RUN + ".mesh.peers", "west", peer("west", 2));

            awaitIpcacheContains(new Entry("10.2.1.5/32", WEST_POD, "192.168.2.1", "west"));
            // The peer's nodes, whose pod CIDRs the kernel pod network routes, and the change that says so.
            assertThat(mesh.remoteNodes()).extracting(n -> n.getName()).containsExactly("w-1");
            assertThat(NODE_CHANGES.get()).isPositive();
            awaitIpcacheContains(new Entry("192.168.2.1/32", 6, null, "west"));
            given().when()
                    .get("/v1/clustermesh/peers")
                    .then()
                    .statusCode(200)
                    .body("[0].name", org.hamcrest.Matchers.equalTo("west"))
                    .body("[0].clusterId", org.hamcrest.Matchers.equalTo(2))
                    .body("[0].bootstrapped", org.hamcrest.Matchers.equalTo(true));
        }
    }

    @Test
    @Order(2)
    void followsThePeersDeltasAndTombstones() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(
                    producer,
                    "west." + RUN + ".endpoints",
                    "shop/db",
                    endpoint("shop", "db", "w-1", "10.2.1.6", "", WEST_DB).toByteArray());
            awaitIpcacheContains(new Entry("10.2.1.6/32", WEST_DB, "192.168.2.1", "west"));

            send(producer, "west." + RUN + ".endpoints", "shop/a", null);

            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(ipcache())
                            .extracting(Entry::cidr)
                            .doesNotContain("10.2.1.5/32")
                            .contains("10.2.1.6/32"));
            // A flow's remote end is named by the peer's pod at its address (observe shows west's pod).
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(mesh.remoteEndpoint(java.net.InetAddress.getByName("10.2.1.6")))
                        .hasValueSatisfying(remote -> {
                            assertThat(remote.cluster()).isEqualTo("west");
                            assertThat(remote.endpoint().getNamespace() + "/"
                                            + remote.endpoint().getPod())
                                    .isEqualTo("shop/db");
                        });
                assertThat(mesh.remoteEndpoint(java.net.InetAddress.getByName("10.2.1.5")))
                        .as("the peer's deleted pod")
                        .isEmpty();
            });
        }
    }

    @Test
    @Order(3)
    void gathersAFloodOfThePeersChangesAndAppliesEveryOne() throws Exception {
        int pods = 3000;
        int deleted = 500;
        try (KafkaProducer<String, byte[]> producer = producer()) {
            // A peer's whole state arriving after its bootstrap (MirrorMaker 2's first copy after connect): many
            // polls of changes, published together, the last ones when a poll finds no more.
            for (int i = 0; i < pods; i++) {
                producer.send(new ProducerRecord<>(
                        "west." + RUN + ".endpoints",
                        "flood/p" + i,
                        endpoint("flood", "p" + i, "w-1", floodAddress(i), "", WEST_DB)
                                .toByteArray()));
            }
            for (int i = 0; i < deleted; i++) {
                producer.send(new ProducerRecord<>("west." + RUN + ".endpoints", "flood/p" + i, null));
            }
            producer.flush();
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            java.util.Set<String> flood = ipcache().stream()
                    .map(Entry::cidr)
                    .filter(c -> c.startsWith("10.2.") && !c.startsWith("10.2.1."))
                    .collect(java.util.stream.Collectors.toSet());
            java.util.Set<String> expected = java.util.stream.IntStream.range(deleted, pods)
                    .mapToObj(i -> floodAddress(i) + "/32")
                    .collect(java.util.stream.Collectors.toSet());
            assertThat(flood).isEqualTo(expected);
        });
        assertThat(mesh.peers().get("west").endpoints()).isEqualTo(1 + pods - deleted);
    }

    private static String floodAddress(int i) {
        return "10.2." + (16 + i / 256) + "." + (i % 256);
    }

    @Test
    @Order(4)
    void aLocalEndpointWinsAnAddressThePeerAlsoClaims() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(
                    producer,
                    "west." + RUN + ".endpoints",
                    "shop/clash",
                    endpoint("shop", "clash", "w-1", "10.1.1.5", "", WEST_POD).toByteArray());

            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(given().when()
                                    .get("/q/metrics")
                                    .then()
                                    .extract()
                                    .asString())
                            .containsPattern("tendril_agent_mesh_conflicts_total(\\{[^}]*\\})? [1-9]"));
            assertThat(ipcache()).contains(new Entry("10.1.1.5/32", LOCAL_POD, null, null));
        }
    }

    @Test
    @Order(5)
    void aDisconnectedPeerLeavesOnlyLocalEntries() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            int changesBefore = NODE_CHANGES.get();
            send(producer, RUN + ".mesh.peers", "west", null);

            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(ipcache())
                            .noneMatch(e -> e.cluster() != null)
                            .extracting(Entry::cidr)
                            .doesNotContain("10.2.1.6/32", "192.168.2.1/32")
                            .contains("10.1.1.5/32"));
            assertThat(ipcache()).contains(new Entry("10.1.1.5/32", LOCAL_POD, null, null));
            // Its nodes are gone too, and the listeners heard so (the routes to its pod CIDRs are removed).
            assertThat(mesh.remoteNodes()).isEmpty();
            assertThat(NODE_CHANGES.get()).isGreaterThan(changesBefore);
        }
    }

    private static Endpoint endpoint(String ns, String pod, String node, String ipv4, String ipv6, int identity) {
        return Endpoint.newBuilder()
                .setNamespace(ns)
                .setPod(pod)
                .setNode(node)
                .setIpv4(ipv4)
                .setIpv6(ipv6)
                .setIdentity(identity)
                .build();
    }

    private static Node node(String name, String ip) {
        return Node.newBuilder().setName(name).addIps(ip).build();
    }

    private static byte[] peer(String name, int clusterId) {
        return MeshPeer.newBuilder()
                .setName(name)
                .setClusterId(clusterId)
                .addPodCidrs("10.2.0.0/16")
                .setConnectedAtUnixMs(System.currentTimeMillis())
                .build()
                .toByteArray();
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    private static List<Entry> ipcache() {
        return List.of(given().when()
                .get("/v1/ipcache")
                .then()
                .statusCode(200)
                .extract()
                .as(Entry[].class));
    }

    private static void awaitIpcacheContains(Entry entry) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(ipcache()).contains(entry));
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }
}
