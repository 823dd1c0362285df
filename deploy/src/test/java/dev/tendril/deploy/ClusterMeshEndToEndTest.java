package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.api.v1.MeshPeer;
import dev.tendril.cli.config.ConfigDiscovery;
import dev.tendril.cli.restart.SupervisorFile;
import dev.tendril.cli.stack.StackFabric;
import dev.tendril.security.CertificateRequest;
import dev.tendril.security.ClientTls;
import dev.tendril.security.Credential;
import dev.tendril.security.Pem;
import dev.tendril.security.Subject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Two real clusters side by side ({@code east}, id 1, 10.1.0.0/16; {@code west}, id 2, 10.2.0.0/16; each its own
 * Kafka and PostgreSQL and one node, on the kernel datapath where this machine can run it, the model datapath
 * elsewhere): refusals of clashing peers change nothing; {@code tendril clustermesh connect} makes east's MirrorMaker 2
 * copy west's published topics byte for byte, tombstones included, into {@code west.tendril.*}; status shows the peer
 * and its entries; disconnect removes it all.
 *
 * <p>On the kernel datapath (issue 18, "Connectivity"; root, bpf(2) and the clang-built programs, otherwise skipped
 * saying why) the clusters are connected both ways and their pods reach each other: connect links the two switches
 * and each node routes the peer's pod CIDRs via the peer's node; real probes follow the receiving cluster's policy
 * ({@link MeshPods}: west/client -> east/server forwarded, west/other -> east/server dropped by east's node,
 * east/server -> west/client forwarded, east/server -> west/other dropped by west's), east's {@code observe} shows its
 * drop with west's pod, identity and the policy; a Service annotated {@code service.cilium.io/global} in both clusters
 * spreads east's connections over a backend in each and keeps answering from east's when west's goes; a restarted east
 * keeps the link; disconnect removes the link and east's
 * routes to west's pods. One pair of stacks for all of it: CI time is tight.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterMeshEndToEndTest {

    private static final int EAST_OFFSET = 4000;
    private static final int WEST_OFFSET = 4300;
    private static final Duration READY_GUARD = Duration.ofMinutes(5);
    private static final Duration SYNC_GUARD = Duration.ofSeconds(90);
    /** The first copy includes MirrorMaker 2's start: a JVM, Connect and its herder joining a group. */
    private static final Duration FIRST_SYNC_GUARD = Duration.ofMinutes(3);

    private static final Duration CONVERGE_GUARD = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path repo =
            Path.of(System.getProperty("tendril.repo", "..")).toAbsolutePath().normalize();
    private MeshTestStack east;
    private MeshTestStack west;
    private volatile boolean failed;
    /** Both stacks run the kernel datapath and this process can look into their namespaces. */
    private boolean kernel;

    private long started;

    @RegisterExtension
    final TestWatcher failures = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            failed = true;
        }
    };

    @BeforeAll
    void startClusters() throws Exception {
        started = System.nanoTime();
        StackConfig jars =
                new StackConfig(repo, repo.resolve(".tendril"), false, 1, 0, 0, EAST_OFFSET, Duration.ofSeconds(1));
        Path eastDir = TestLauncher.dataDirOrSkip(repo, jars, "ClusterMesh end-to-end test", "e2e-mesh-east-");
        Path westDir = Files.createTempDirectory(repo.resolve("deploy/target"), "e2e-mesh-west-");
        // One after the other: two stacks starting at once on two cores time out their database pools.
        west = MeshTestStack.startKernel(repo, westDir, WEST_OFFSET, "west", 2, "10.2.0.0/16", "fd00:2::/104");
        west.awaitReady(READY_GUARD);
        east = MeshTestStack.startKernel(repo, eastDir, EAST_OFFSET, "east", 1, "10.1.0.0/16", "fd00:1::/104");
        east.awaitReady(READY_GUARD);
        String unavailable = MeshLink.unavailableReason().orElse(null);
        kernel = unavailable == null && MeshPods.kernel(west) && MeshPods.kernel(east);
        if (!kernel) {
            System.out.println("ClusterMeshEndToEndTest: SKIPPING the kernel connectivity checks: "
                    + (unavailable != null
                            ? unavailable
                            : "the stacks run no kernel datapath: " + west.podNetworks() + " " + east.podNetworks()));
        }
    }

    @AfterAll
    void stopClusters() throws Exception {
        for (MeshTestStack stack : new MeshTestStack[] {east, west}) {
            if (stack != null) {
                stack.stop(failed);
            }
        }
        System.out.printf(
                "ClusterMeshEndToEndTest: %d s with both stacks' start and stop (%s datapath)%n",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), kernel ? "kernel" : "model");
    }

    @Test
    @Order(1)
    void statusRecordsEachClustersNameIdAndPodCidrs() {
        // Whatever the components' health (its exit code): the cluster comes from stack.json.
        JsonNode status = StackCli.json(east.cli.run("status", "-o", "json"));

        assertThat(status.path("cluster").path("name").asText()).isEqualTo("east");
        assertThat(status.path("cluster").path("id").asInt()).isEqualTo(1);
        assertThat(StackCli.stream(status.path("cluster").path("podCidrs")).map(JsonNode::asText))
                .containsExactly("10.1.0.0/16", "fd00:1::/104");
    }

    @Test
    @Order(2)
    void refusesAPeerWithThisClustersIdOrOverlappingPodCidrsAndChangesNothing() throws Exception {
        Path sameId = fakePeer("twin", 1, "10.9.0.0/16", "fd00:9::/104");
        Path overlapping = fakePeer("overlap", 3, "10.1.128.0/17", "fd00:3::/104");

        StackCli.Result twin = east.cli.run("clustermesh", "connect", "--to", sameId.toString());
        StackCli.Result overlap = east.cli.run("clustermesh", "connect", "--to", overlapping.toString());

        assertThat(twin.code()).as(twin.toString()).isEqualTo(1);
        assertThat(twin.err()).contains("cluster id 1").contains("identities would collide");
        assertThat(overlap.code()).as(overlap.toString()).isEqualTo(1);
        assertThat(overlap.err()).contains("10.1.128.0/17 overlaps 10.1.0.0/16");
        assertThat(east.dataDir.resolve("mesh/peers.json")).doesNotExist();
        assertThat(SupervisorFile.read(east.dataDir).orElseThrow().components())
                .noneMatch(c -> c.name().startsWith("mirror-"));
        assertThat(east.topics())
                .noneMatch(t -> t.startsWith("twin.") || t.startsWith("overlap.") || t.startsWith("mm2-"));
        assertThat(east.live(KafkaAcls.MESH_PEERS)).isEmpty();
    }

    @Test
    @Order(3)
    void copiesThePeersTopicsByteForByteIntoRemoteTopicsTombstonesIncluded() throws Exception {
        JsonNode connected =
                StackCli.json(east.cli.ok("clustermesh", "connect", "--to", west.dataDir.toString(), "-o", "json"));
        assertThat(connected.path("name").asText()).isEqualTo("west");
        assertThat(connected.path("clusterId").asInt()).isEqualTo(2);

        Path pod = west.dataDir.resolve("mesh-pod.yaml");
        Files.writeString(pod, MeshPods.NAMESPACE + "---\n" + MeshPods.pod("mesh-a", "app: mesh-a"));
        west.cli.ok("apply", "-f", pod.toString());
        await().atMost(FIRST_SYNC_GUARD).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, String> published = west.latest(KafkaAcls.ENDPOINTS);
            assertThat(published.keySet()).anyMatch(key -> text(key).contains("mesh-a"));
            assertThat(east.latest("west." + KafkaAcls.ENDPOINTS)).isEqualTo(published);
            assertThat(east.latest("west." + KafkaAcls.IDENTITIES)).isEqualTo(west.latest(KafkaAcls.IDENTITIES));
            assertThat(east.latest("west." + KafkaAcls.NODES)).isEqualTo(west.latest(KafkaAcls.NODES));
        });
        String podKey = west.live(KafkaAcls.ENDPOINTS).keySet().stream()
                .filter(key -> text(key).contains("mesh-a"))
                .findFirst()
                .orElseThrow();

        west.cli.ok("delete", "-f", pod.toString());

        await().atMost(SYNC_GUARD).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, String> remote = east.latest("west." + KafkaAcls.ENDPOINTS);
            assertThat(remote).containsKey(podKey);
            assertThat(remote.get(podKey)).as("the pod's tombstone").isNull();
        });
        MeshPeer peer = MeshPeer.parseFrom(
                HexFormat.of().parseHex(east.live(KafkaAcls.MESH_PEERS).get(hex("west"))));
        assertThat(peer.getClusterId()).isEqualTo(2);
        assertThat(peer.getPodCidrsList()).containsExactly("10.2.0.0/16", "fd00:2::/104");
        try (Admin admin = Admin.create(MeshClients.superUser(east.dataDir, east.kafka()))) {
            ConfigResource remote = new ConfigResource(ConfigResource.Type.TOPIC, "west." + KafkaAcls.ENDPOINTS);
            Config config = admin.describeConfigs(List.of(remote)).all().get().get(remote);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    @Test
    @Order(4)
    void statusShowsThePeerConnectedWithItsEntriesPerKind() {
        await().atMost(SYNC_GUARD).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            StackCli.Result result = east.cli.run("clustermesh", "status", "-o", "json");
            assertThat(result.code()).as(result.toString()).isZero();
            JsonNode peers = StackCli.json(result);
            assertThat(peers).hasSize(1);
            JsonNode peer = peers.get(0);
            assertThat(peer.path("name").asText()).isEqualTo("west");
            assertThat(peer.path("connected").asBoolean()).isTrue();
            assertThat(peer.path("mirror").asText()).isEqualTo("running");
            assertThat(peer.path("lastSync").isTextual()).isTrue();
            JsonNode endpoints = StackCli.stream(peer.path("kinds"))
                    .filter(k -> k.path("kind").asText().equals("endpoints"))
                    .findFirst()
                    .orElseThrow();
            assertThat(endpoints.path("entries").asLong())
                    .isEqualTo(west.live(KafkaAcls.ENDPOINTS).size());
            assertThat(endpoints.path("lag").asLong()).isZero();
        });
        StackCli.Result text = east.cli.run("clustermesh", "status");
        assertThat(text.out()).contains("west (id 2, pod CIDRs 10.2.0.0/16, fd00:2::/104): connected");
    }

    @Test
    @Order(5)
    void westConnectsToEastByItsAddressWithAGrantItsKeyNeverLeavesAndRefusalsChangeNothing() throws Exception {
        String address = SupervisorFile.read(east.dataDir).orElseThrow().control();
        Path eastConfig = east.dataDir.resolve(ConfigDiscovery.STACK_CONFIG);
        // East's own launcher refuses a grant for its own name and a request that asks for another principal.
        try (HttpClient admin = AdminTls.http(east.dataDir)) {
            HttpResponse<String> own = postGrant(admin, address, "east", 1, "10.9.0.0/16", "mesh:east");
            assertThat(own.statusCode()).as(own.body()).isEqualTo(409);
            assertThat(own.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(own.body()).contains("the peer's cluster name 'east' is this cluster's own");
            HttpResponse<String> other = postGrant(admin, address, "west", 2, "10.2.0.0/16", "mesh:north");
            assertThat(other.statusCode()).as(other.body()).isEqualTo(400);
            assertThat(other.body()).contains("csr: cluster west must ask for CN=mesh:west,O=mesh");
        }
        // West's own admin is nobody at east: the connect is refused and nothing is written on either side.
        StackCli.Result stranger = west.cli.run(
                "clustermesh",
                "connect",
                "--to",
                address,
                "--peer-config",
                west.dataDir.resolve(ConfigDiscovery.STACK_CONFIG).toString());
        assertThat(stranger.code()).as(stranger.toString()).isEqualTo(1);
        assertThat(stranger.err()).contains("the peer's launcher at " + address + " does not answer");
        assertThat(west.dataDir.resolve("mesh/peers.json")).doesNotExist();
        assertThat(meshAcls(east, "west")).isEmpty();

        JsonNode connected = StackCli.json(west.cli.ok(
                "clustermesh", "connect", "--to", address, "--peer-config", eastConfig.toString(), "-o", "json"));

        assertThat(connected.path("name").asText()).isEqualTo("east");
        assertThat(connected.path("clusterId").asInt()).isEqualTo(1);
        assertThat(connected.path("kafka").asText()).isEqualTo(east.kafka());
        await().atMost(FIRST_SYNC_GUARD).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(east.latest(KafkaAcls.NODES)).isNotEmpty();
            assertThat(west.latest("east." + KafkaAcls.NODES)).isEqualTo(east.latest(KafkaAcls.NODES));
            assertThat(west.latest("east." + KafkaAcls.IDENTITIES)).isEqualTo(east.latest(KafkaAcls.IDENTITIES));
        });
        // West holds the key and east's signature over it; east holds no copy of that key, only the ACLs it granted.
        java.security.cert.X509Certificate granted = Pem.readCertificate(west.dataDir.resolve("pki/mesh/east.crt"));
        assertThat(granted.getSubjectX500Principal().getName()).isEqualTo("CN=mesh:west,O=mesh");
        granted.verify(Pem.readCertificate(east.dataDir.resolve("pki/ca.crt")).getPublicKey());
        java.security.Signature signature = java.security.Signature.getInstance("SHA256withECDSA");
        signature.initSign(Pem.readPrivateKey(west.dataDir.resolve("pki/mesh/east.key")));
        signature.update("west".getBytes(StandardCharsets.UTF_8));
        byte[] signed = signature.sign();
        signature.initVerify(granted.getPublicKey());
        signature.update("west".getBytes(StandardCharsets.UTF_8));
        assertThat(signature.verify(signed))
                .as("the granted certificate is over west's own key")
                .isTrue();
        String key = Files.readString(west.dataDir.resolve("pki/mesh/east.key"))
                .lines()
                .filter(line -> !line.startsWith("-----"))
                .findFirst()
                .orElseThrow();
        try (java.util.stream.Stream<Path> files = Files.walk(east.dataDir.resolve("pki"))) {
            assertThat(files.filter(Files::isRegularFile)).noneMatch(f -> {
                try {
                    return Files.readString(f).contains(key);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        assertThat(meshAcls(east, "west")).isNotEmpty();
        // With its granted certificate west may ask where east's Kafka is, nothing of an admin's, nor another's grant.
        try (HttpClient asGranted = ClientTls.files(
                        west.dataDir.resolve("pki/mesh/east-ca.crt"),
                        new Credential(
                                west.dataDir.resolve("pki/mesh/east.crt"), west.dataDir.resolve("pki/mesh/east.key")))
                .configure(HttpClient.newBuilder())
                .build()) {
            HttpResponse<String> where = send(asGranted, "GET", address + "/v1/clustermesh/grants/west");
            assertThat(where.statusCode()).as(where.body()).isEqualTo(200);
            assertThat(JSON.readTree(where.body()).path("kafka").asText()).isEqualTo(east.kafka());
            HttpResponse<String> cluster = send(asGranted, "GET", address + "/v1/clustermesh/cluster");
            assertThat(cluster.statusCode()).as(cluster.body()).isEqualTo(403);
            HttpResponse<String> another = send(asGranted, "DELETE", address + "/v1/clustermesh/grants/north");
            assertThat(another.statusCode()).as(another.body()).isEqualTo(403);
            assertThat(another.body()).contains("the certificate presented is CN=mesh:west,O=mesh");
        }
        JsonNode recorded =
                JSON.readTree(west.dataDir.resolve("mesh/peers.json").toFile()).get(0);
        assertThat(recorded.path("address").asText()).isEqualTo(address);
        assertThat(recorded.has("dataDir")).isFalse();
        assertThat(west.cli.run("clustermesh", "status").out())
                .contains("east (id 1, pod CIDRs 10.1.0.0/16, fd00:1::/104)")
                .contains("connect --to "
                        + SupervisorFile.read(west.dataDir).orElseThrow().control());
    }

    @Test
    @Order(6)
    void kernelConnectLinksTheSwitchesAndEachNodeRoutesThePeersPodCidrsViaThePeersNode() throws Exception {
        requireKernel();
        // Both ways (west to east by address, above): each cluster's nodes learn the other's pods and route to them.
        MeshPods.apply(east, "east.yaml", MeshPods.EAST_MANIFEST);
        MeshPods.apply(west, "west.yaml", MeshPods.WEST_MANIFEST);

        StackFabric eastFabric = StackFabric.of(east.dataDir);
        StackFabric westFabric = StackFabric.of(west.dataDir);
        assertThat(MeshLink.system().linked(eastFabric, westFabric)).isTrue();
        assertThat(MeshLink.system().linked(westFabric, eastFabric)).isTrue();
        // Each node has its cluster's underlay address; the peer's pod CIDRs go via the peer's node.
        assertThat(MeshPods.ip(eastFabric.nodeNetns("node-1"), "-4", "addr", "show", "dev", "eth0"))
                .contains("inet 172.31.1.1/16");
        assertThat(MeshPods.ip(westFabric.nodeNetns("node-1"), "-6", "addr", "show", "dev", "eth0"))
                .contains("inet6 fdfe:2::1/16");
        await().atMost(FIRST_SYNC_GUARD).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(MeshPods.ip(eastFabric.nodeNetns("node-1"), "-4", "route", "show", "proto", "static"))
                    .containsPattern("10\\.2\\.\\d+\\.0/24 via 172\\.31\\.2\\.1 dev eth0");
            assertThat(MeshPods.ip(eastFabric.nodeNetns("node-1"), "-6", "route", "show", "proto", "static"))
                    .contains("via fdfe:2::1 dev eth0");
            assertThat(MeshPods.ip(westFabric.nodeNetns("node-1"), "-4", "route", "show", "proto", "static"))
                    .containsPattern("10\\.1\\.\\d+\\.0/24 via 172\\.31\\.1\\.1 dev eth0");
        });
    }

    @Test
    @Order(7)
    void kernelProbesAcrossTheClustersFollowTheReceivingClustersPolicy() {
        requireKernel();
        String server = MeshPods.ipv4(east, "mesh/server");
        String client = MeshPods.ipv4(west, "mesh/client");
        String other = MeshPods.ipv4(west, "mesh/other");

        // Until the peers' identities reached the policy services and the maps: then the matrix holds.
        await().atMost(FIRST_SYNC_GUARD).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(MeshPods.probe(west, "mesh/client", server)).isEqualTo("FORWARDED");
            assertThat(MeshPods.probe(east, "mesh/server", client)).isEqualTo("FORWARDED");
        });
        await().atMost(CONVERGE_GUARD).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(MeshPods.probe(west, "mesh/other", server)).isEqualTo("DROPPED");
            assertThat(MeshPods.probe(east, "mesh/server", other)).isEqualTo("DROPPED");
        });
        Map<String, String> matrix = new TreeMap<>();
        matrix.put("west/client -> east/server", MeshPods.probe(west, "mesh/client", server));
        matrix.put("west/other -> east/server", MeshPods.probe(west, "mesh/other", server));
        matrix.put("east/server -> west/client", MeshPods.probe(east, "mesh/server", client));
        matrix.put("east/server -> west/other", MeshPods.probe(east, "mesh/server", other));
        assertThat(matrix)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "west/client -> east/server", "FORWARDED",
                        "west/other -> east/server", "DROPPED",
                        "east/server -> west/client", "FORWARDED",
                        "east/server -> west/other", "DROPPED"));
    }

    @Test
    @Order(8)
    void kernelEastsObserveShowsItsDropWithWestsIdentityAndThePolicy() {
        requireKernel();
        String other = MeshPods.ipv4(west, "mesh/other");
        long otherIdentity =
                MeshPods.endpoints(west).get("mesh/other").path("identity").asLong();
        assertThat(otherIdentity >> 16)
                .as("west's identity range (cluster id 2)")
                .isEqualTo(2);

        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    StackCli.Result observed = east.cli.ok(
                            "observe", "--from-ip", other, "--verdict", "DROPPED", "--last", "5", "--print-node-name");
                    assertThat(observed.out())
                            .containsPattern("\\[node-1\\]: mesh/other:\\d+ \\(ID:" + otherIdentity
                                    + "\\) <> mesh/server:80 \\(ID:\\d+\\)"
                                    + " policy-verdict:none INGRESS DENIED \\(TCP Flags: SYN\\) default deny by: .*"
                                    + "CiliumNetworkPolicy/mesh/from-west-clients");
                });
    }

    @Test
    @Order(9)
    void kernelAGlobalServiceSpreadsOverBothClustersAndKeepsWorkingWhenOnesBackendsGo() throws Exception {
        requireKernel();
        MeshPods.apply(east, "east-web.yaml", MeshPods.globalService("web-east"));
        MeshPods.apply(west, "west-web.yaml", MeshPods.globalService("web-west"));
        String eastBackend = MeshPods.ipv4(east, "mesh/web-east");
        String westBackend = MeshPods.ipv4(west, "mesh/web-west");

        // Until east's policy service merged west's backend and east's node has both in its LB maps: then real
        // connections from east's pod to the ClusterIP reach a backend in each cluster.
        java.util.Set<String> answeredBy = new java.util.TreeSet<>();
        await().atMost(FIRST_SYNC_GUARD).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonNode answer = MeshPods.probeService(east, "mesh/server", "svc:mesh/web");
            assertThat(answer.path("verdict").asText()).as(answer.toString()).isEqualTo("FORWARDED");
            answeredBy.add(answer.path("to").path("ip").asText());
            assertThat(answeredBy).contains(eastBackend, westBackend);
        });
        assertThat(answeredBy).as("the backends that answered").containsOnly(eastBackend, westBackend);

        // West's backend goes: the Service keeps answering, from east's backend only.
        Path westPod = west.dataDir.resolve("west-web-pod.yaml");
        Files.writeString(westPod, MeshPods.webPod("web-west"));
        west.cli.ok("delete", "-f", westPod.toString());
        await().atMost(CONVERGE_GUARD).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (int i = 0; i < 10; i++) {
                JsonNode answer = MeshPods.probeService(east, "mesh/server", "svc:mesh/web");
                assertThat(answer.path("verdict").asText())
                        .as(answer.toString())
                        .isEqualTo("FORWARDED");
                assertThat(answer.path("to").path("ip").asText()).isEqualTo(eastBackend);
            }
        });
    }

    @Test
    @Order(10)
    void aRestartedClusterStartsItsPeersMirrorAgainAndKeepsCopying() throws Exception {
        east.restart(READY_GUARD);

        Path pod = west.dataDir.resolve("mesh-pod-b.yaml");
        Files.writeString(pod, MeshPods.NAMESPACE + "---\n" + MeshPods.pod("mesh-b", "app: mesh-b"));
        west.cli.ok("apply", "-f", pod.toString());
        await().atMost(FIRST_SYNC_GUARD).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(SupervisorFile.read(east.dataDir).orElseThrow().component("mirror-west"))
                    .hasValueSatisfying(m -> assertThat(m.state()).isEqualTo("running"));
            assertThat(east.live("west." + KafkaAcls.ENDPOINTS).keySet()).anyMatch(k -> text(k).equals("mesh/mesh-b"));
        });
    }

    @Test
    @Order(11)
    void kernelARestartedClusterKeepsTheLinkAndThePeersPodsReachItsPods() {
        requireKernel();
        assertThat(MeshLink.system().linked(StackFabric.of(east.dataDir), StackFabric.of(west.dataDir)))
                .isTrue();
        String server = MeshPods.ipv4(east, "mesh/server");
        await().atMost(CONVERGE_GUARD)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() ->
                        assertThat(MeshPods.probe(west, "mesh/client", server)).isEqualTo("FORWARDED"));
    }

    @Test
    @Order(12)
    void disconnectStopsTheMirrorAndDeletesThePeersRemoteTopics() {
        StackCli.Result result = east.cli.ok("clustermesh", "disconnect", "--from", "west");

        assertThat(result.out()).contains("west.tendril.endpoints");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(east.topics())
                        .noneMatch(t -> t.startsWith("west.") || t.endsWith(".west.internal")));
        assertThat(east.latest(KafkaAcls.MESH_PEERS)).containsEntry(hex("west"), null);
        assertThat(SupervisorFile.read(east.dataDir).orElseThrow().components())
                .noneMatch(c -> c.name().equals("mirror-west"));
        assertThat(StackCli.json(east.cli.ok("clustermesh", "status", "-o", "json")))
                .isEmpty();
        assertThat(east.dataDir.resolve("pki/mesh/west.key")).doesNotExist();
    }

    @Test
    @Order(13)
    void kernelDisconnectRemovedTheLinkAndThePeersRoutes() {
        requireKernel();
        StackFabric eastFabric = StackFabric.of(east.dataDir);
        StackFabric westFabric = StackFabric.of(west.dataDir);
        assertThat(MeshLink.system().linked(eastFabric, westFabric)).isFalse();
        assertThat(MeshLink.system().linked(westFabric, eastFabric)).isFalse();
        await().atMost(CONVERGE_GUARD)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(
                                MeshPods.ip(eastFabric.nodeNetns("node-1"), "-4", "route", "show", "proto", "static"))
                        .doesNotContain("10.2."));
    }

    @Test
    @Order(14)
    void aPeerConnectedByAddressIsFollowedToItsNewKafkaAndItsDisconnectRevokesTheGrantThere() throws Exception {
        // East restarted above, its Kafka on another port (--kafka-port 0): west's MirrorMaker 2 asks east's launcher
        // (at the address west recorded; its port is 8080 + the offset again) and follows it.
        await().atMost(FIRST_SYNC_GUARD).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode recorded = JSON.readTree(
                            west.dataDir.resolve("mesh/peers.json").toFile())
                    .get(0);
            assertThat(recorded.path("kafka").asText()).isEqualTo(east.kafka());
            StackCli.Result status = west.cli.run("clustermesh", "status", "-o", "json");
            assertThat(status.code()).as(status.toString()).isZero();
        });

        StackCli.Result result = west.cli.ok("clustermesh", "disconnect", "--from", "east");

        assertThat(result.out()).contains("east.tendril.endpoints");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(meshAcls(east, "west")).isEmpty());
        assertThat(west.dataDir.resolve("pki/mesh/east.key")).doesNotExist();
        assertThat(west.topics()).noneMatch(t -> t.startsWith("east."));
    }

    /** The ACLs east's broker holds for the principal of {@code peer}'s MirrorMaker 2. */
    private static List<String> meshAcls(MeshTestStack at, String peer) throws Exception {
        try (Admin admin = Admin.create(MeshClients.superUser(at.dataDir, at.kafka()))) {
            return admin
                    .describeAcls(new AclBindingFilter(
                            ResourcePatternFilter.ANY,
                            new AccessControlEntryFilter(
                                    MeshCredentials.peerPrincipal(peer),
                                    null,
                                    AclOperation.ANY,
                                    AclPermissionType.ANY)))
                    .values()
                    .get(30, TimeUnit.SECONDS)
                    .stream()
                    .map(AclBinding::toString)
                    .toList();
        }
    }

    private static HttpResponse<String> send(HttpClient client, String method, String url) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create(url))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postGrant(
            HttpClient admin, String address, String name, int id, String podCidr, String subject) throws Exception {
        String csr = CertificateRequest.create(new Subject(subject, "mesh")).pem();
        String body = JSON.writeValueAsString(
                Map.of("name", name, "clusterId", id, "podCidrs", List.of(podCidr), "csr", csr));
        return admin.send(
                HttpRequest.newBuilder(URI.create(address + "/v1/clustermesh/grants"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void requireKernel() {
        Assumptions.assumeTrue(kernel, "needs the kernel datapath (root, bpf(2)) on both stacks: real pod networks");
    }

    /** A data directory whose stack.json describes a running, ready peer (this JVM as its launcher) with west's Kafka. */
    private Path fakePeer(String name, int id, String podCidr, String podCidrV6) throws Exception {
        Path dir = Files.createTempDirectory(east.dataDir, "peer-" + name + "-");
        Map<String, Object> stack = Map.of(
                "launcherPid", ProcessHandle.current().pid(),
                "dataDir", dir.toString(),
                "startedAt", "2026-01-01T00:00:00Z",
                "ready", true,
                "components", List.of(Map.of("name", "kafka", "kind", "kafka", "port", 1, "url", west.kafka())),
                "cluster", Map.of("name", name, "id", id, "podCidrs", List.of(podCidr, podCidrV6)));
        Files.writeString(dir.resolve("stack.json"), JSON.writeValueAsString(stack));
        return dir;
    }

    private static String hex(String text) {
        return HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(String hexKey) {
        return new String(HexFormat.of().parseHex(hexKey), StandardCharsets.UTF_8);
    }
}
