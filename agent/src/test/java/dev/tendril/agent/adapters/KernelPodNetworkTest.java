package dev.tendril.agent.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.bpf.KernelMapBackend;
import dev.tendril.agent.datapath.fabric.Fabric;
import dev.tendril.agent.datapath.fabric.FabricPod;
import dev.tendril.agent.datapath.fabric.PodCidr;
import dev.tendril.agent.datapath.fabric.PodRef;
import dev.tendril.agent.datapath.fabric.PodSpec;
import dev.tendril.agent.datapath.fabric.StackPrefix;
import dev.tendril.agent.datapath.kernel.KernelDatapath;
import dev.tendril.agent.datapath.kernel.KernelDatapathConfig;
import dev.tendril.agent.datapath.kernel.KernelPodNetwork;
import dev.tendril.agent.datapath.kernel.Netns;
import dev.tendril.agent.endpoint.EndpointManager;
import dev.tendril.agent.endpoint.EndpointSpec;
import dev.tendril.agent.endpoint.IdentityClient;
import dev.tendril.agent.endpoint.IpamClient;
import dev.tendril.agent.sim.StandaloneAgentConfig;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.RegisterEndpointRequest;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The endpoint API's logic on the kernel pod network, as the agent wires it with
 * {@code tendril.agent.pod-network=kernel}: {@link EndpointManager} over {@link DatapathMaps} on pinned bpf
 * maps and a {@link KernelPodNetwork} on a fabric of its own (a random stack prefix). Creating endpoints
 * gives each a namespace, a veth and the programs, real connections between them follow the policy maps,
 * a policy map the agent creates anew is the one the programs read, a restarted agent sweeps the pods it
 * no longer has and keeps the ones it has, and deleting an endpoint leaves nothing of its pod.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelPodNetworkTest {
    static final String NODE = "node-1";
    static final long CLIENT = 1001;
    static final long SERVER = 1002;
    static final Duration ALLOWED = Duration.ofSeconds(3);
    static final Duration DROPPED = Duration.ofMillis(500);
    static final List<PodCidr> CIDRS =
            List.of(PodCidr.of("10.0.1.0/24", "10.0.1.1"), PodCidr.of("fd00::100/120", "fd00::101"));

    private static Optional<String> unavailable;

    Fabric fabric;
    Path pinDir;
    Path stateDir;
    DatapathMaps maps;
    KernelPodNetwork pods;
    EndpointManager manager;
    final Ipam ipam = new Ipam();
    final Identities identities = new Identities();
    volatile NodeImage image = NodeImage.EMPTY;
    final Map<Long, SubjectPolicyMap> policies = new LinkedHashMap<>();
    final List<ServerSocketChannel> servers = new ArrayList<>();

    @BeforeAll
    void start() throws IOException {
        if (!available()) {
            return;
        }
        fabric = Fabric.open(new StackPrefix(
                "tw" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt())));
        pinDir = fabric.pinDirectory(NODE);
        stateDir = Files.createTempDirectory("kernel-pod-network");
        open();
        policies.put(
                CLIENT,
                SubjectPolicyMap.newBuilder()
                        .setSubject((int) CLIENT)
                        .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS)))
                        .build());
        publish(serverPolicy(80));
    }

    /** The agent's maps, pod network and endpoint API over the fabric and pins (again after a restart). */
    private void open() {
        AgentConfig config = new StandaloneAgentConfig(
                NODE,
                AgentConfig.Datapath.BPF,
                fabric.bpffsDirectory(),
                stateDir,
                Duration.ofHours(1),
                StandaloneAgentConfig.DEFAULT_TOPICS);
        maps = DatapathMaps.open(config, new SimpleMeterRegistry(), new ObjectMapper(), new KernelMapBackend(pinDir));
        maps.imageSource(() -> Optional.of(image));
        pods = KernelPodNetwork.open(
                fabric, NODE, 1, pinDir, KernelDatapathConfig.defaults().withConntrackSizes(4096, 4096));
        PodNetworks.follow(maps, pods, NODE);
        manager = new EndpointManager(NODE, maps.table(), ipam, identities, maps, pods, maps::persist);
    }

    @BeforeEach
    void kernelDatapath() {
        assumeTrue(available(), () -> "kernel datapath unavailable: " + unavailable.orElse(""));
    }

    @AfterAll
    void stop() throws IOException {
        for (ServerSocketChannel s : servers) {
            s.close();
        }
        if (pods != null) {
            pods.close();
        }
        if (maps != null) {
            maps.close();
        }
        if (fabric != null) {
            Fabric.removeAll(fabric.prefix(), Fabric.DEFAULT_BPFFS);
        }
        if (stateDir != null) {
            try (Stream<Path> files = Files.walk(stateDir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    @Order(1)
    void createdEndpointsGetANamespaceAVethAndTheProgramsAndTheirConnectionsFollowThePolicy() throws Exception {
        assertThat(pods.status()).startsWith("kernel (tc): ");
        pods.start(CIDRS, List.of());
        LocalEndpoint client = create("client", CLIENT);
        LocalEndpoint server = create("server", SERVER);
        assertThat(pods.status()).isEqualTo("kernel (tc), 4 programs");

        String nodeNs = fabric.node(NODE).orElseThrow().netnsName();
        for (LocalEndpoint ep : List.of(client, server)) {
            FabricPod pod = pods.pod(ep.key()).orElseThrow();
            assertThat(Files.exists(pod.netns())).as(ep.key() + "'s namespace").isTrue();
            assertThat(pod.addresses())
                    .containsExactly(InetAddress.getByName(ep.ipv4()), InetAddress.getByName(ep.ipv6()));
            assertThat(run("ip", "-n", nodeNs, "-o", "link", "show")).contains(pod.hostInterface() + "@");
            KernelDatapath.Attachment a = attachment(ep);
            assertThat(a.interfaceName()).isEqualTo(pod.hostInterface());
            assertThat(KernelDatapath.programsOn(Path.of("/var/run/netns", nodeNs), pod.hostInterface()))
                    .as("the tc hooks of " + pod.hostInterface())
                    .contains(new KernelDatapath.AttachedPrograms(
                            pods.programIds().get(0), pods.programIds().get(1)));
        }
        assertThat(fabric.pods(NODE)).containsExactlyInAnyOrder(ref(client), ref(server));
        if (KernelDatapath.cgroupRoot().isPresent()) {
            assertThat(pods.socketLbNamespaces())
                    .as("socket-LB translates the node's and its pods' sockets")
                    .containsOnly(
                            Map.entry(
                                    Netns.cookie(fabric.node(NODE).orElseThrow().netns()), 0),
                            Map.entry(
                                    Netns.cookie(
                                            pods.pod(client.key()).orElseThrow().netns()),
                                    client.endpointId()),
                            Map.entry(
                                    Netns.cookie(
                                            pods.pod(server.key()).orElseThrow().netns()),
                                    server.endpointId()));
        }

        listen(server, 80, 81);
        for (boolean v4 : new boolean[] {true, false}) {
            InetAddress to = InetAddress.getByName(v4 ? server.ipv4() : server.ipv6());
            assertThat(connect(client, to, 80, ALLOWED))
                    .as("client -> server:80, IPv4 " + v4)
                    .isTrue();
            assertThat(connect(client, to, 81, DROPPED))
                    .as("client -> server:81, IPv4 " + v4)
                    .isFalse();
        }
    }

    @Test
    @Order(2)
    void aPolicyMapTheAgentCreatesAnewIsTheOneTheProgramsRead() throws Exception {
        LocalEndpoint client = maps.table().registered("shop/client").orElseThrow();
        LocalEndpoint server = maps.table().registered("shop/server").orElseThrow();
        // The map goes as the reconciler removes one, and the next pass creates it again.
        assertThat(maps.backend().delete(server.policyMapName())).isTrue();
        assertThat(maps.reconcileCurrent("periodic").orElseThrow().created()).containsExactly(server.policyMapName());

        publish(serverPolicy(80, 81));

        InetAddress to = InetAddress.getByName(server.ipv4());
        assertThat(connect(client, to, 81, ALLOWED))
                .as("81, allowed in the new map only")
                .isTrue();
        assertThat(connect(client, to, 80, ALLOWED)).isTrue();
        publish(serverPolicy(80));
        assertThat(connect(client, to, 81, DROPPED)).isFalse();
    }

    @Test
    @Order(3)
    void aRestartedAgentSweepsThePodsItNoLongerHasAndKeepsTheOthersEnforcing() throws Exception {
        LocalEndpoint client = maps.table().registered("shop/client").orElseThrow();
        LocalEndpoint server = maps.table().registered("shop/server").orElseThrow();
        FabricPod stale = fabric.ensurePod(PodSpec.of(NODE, "shop", "gone", InetAddress.getByName("10.0.1.99")));
        pods.close();
        maps.close();

        open();
        maps.publish(image);
        List<String> swept = pods.start(CIDRS, maps.table().snapshot().registered());

        assertThat(swept).containsExactly(stale.netnsName());
        assertThat(Files.exists(stale.netns())).isFalse();
        assertThat(pods.pod(client.key()).orElseThrow().reused())
                .as("the running pod is kept")
                .isTrue();
        assertThat(pods.status()).isEqualTo("kernel (tc), 4 programs");
        InetAddress to = InetAddress.getByName(server.ipv6());
        assertThat(connect(client, to, 80, ALLOWED)).isTrue();
        assertThat(connect(client, to, 81, DROPPED)).isFalse();
    }

    @Test
    @Order(4)
    void deletingAnEndpointLeavesNothingOfItsPod() throws Exception {
        LocalEndpoint client = maps.table().registered("shop/client").orElseThrow();
        LocalEndpoint server = maps.table().registered("shop/server").orElseThrow();
        FabricPod pod = pods.pod(server.key()).orElseThrow();
        String nodeNs = fabric.node(NODE).orElseThrow().netnsName();

        manager.delete("shop", "server", server.uid());
        withdraw(server);

        assertThat(Files.exists(pod.netns())).as("namespace").isFalse();
        assertThat(run("ip", "netns", "list")).doesNotContain(pod.netnsName());
        assertThat(run("ip", "-n", nodeNs, "-o", "link", "show")).doesNotContain(pod.hostInterface());
        assertThat(KernelDatapath.programsOn(Path.of("/var/run/netns", nodeNs), pod.hostInterface()))
                .as("no device, so no programs on it")
                .isEmpty();
        assertThat(pods.attachments())
                .extracting(KernelDatapath.Attachment::endpointId)
                .containsExactly(client.endpointId());
        assertThat(pods.status()).isEqualTo("kernel (tc), 2 programs");
        assertThat(fabric.pods(NODE)).containsExactly(ref(client));
        assertThat(Files.exists(pinDir.resolve(server.policyMapName())))
                .as("its policy map")
                .isFalse();

        manager.delete("shop", "client", client.uid());
        withdraw(client);
        assertThat(fabric.pods(NODE)).isEmpty();
        if (KernelDatapath.cgroupRoot().isPresent()) {
            assertThat(pods.socketLbNamespaces().values())
                    .as("only the node's namespace is left to socket-LB")
                    .containsExactly(0);
        }
        assertThat(pods.attachments()).isEmpty();
        assertThat(pods.status()).isEqualTo("kernel (tc), 0 programs");
        assertThat(run("ip", "-n", nodeNs, "-o", "link", "show").lines().filter(l -> l.matches("^\\d+: lxc.*")))
                .as("no veth left")
                .isEmpty();
    }

    private LocalEndpoint create(String pod, long identity) {
        identities.next = identity;
        LocalEndpoint ep = manager.create(
                        new EndpointSpec("shop", pod, "uid-" + pod, Map.of("app", pod), "default", List.of()))
                .endpoint();
        // The identity service publishes the endpoint: the topic shows it and every map follows.
        Map<String, Endpoint> endpoints = new LinkedHashMap<>(image.endpoints());
        endpoints.put(
                ep.key(),
                Endpoint.newBuilder()
                        .setNamespace("shop")
                        .setPod(pod)
                        .setUid(ep.uid())
                        .setNode(NODE)
                        .setIpv4(ep.ipv4())
                        .setIpv6(ep.ipv6())
                        .setIdentity((int) identity)
                        .build());
        image = new NodeImage(image.identities(), endpoints, nodes(), policies);
        maps.publish(image);
        return ep;
    }

    private void withdraw(LocalEndpoint ep) {
        Map<String, Endpoint> endpoints = new LinkedHashMap<>(image.endpoints());
        endpoints.remove(ep.key());
        image = new NodeImage(image.identities(), endpoints, nodes(), policies);
        maps.publish(image);
    }

    private void publish(SubjectPolicyMap server) {
        policies.put(SERVER, server);
        image = new NodeImage(image.identities(), image.endpoints(), nodes(), Map.copyOf(policies));
        maps.publish(image);
    }

    /** This node as IPAM registers it in kernel mode: its fabric addresses, its pod CIDRs and router addresses. */
    private static Map<String, Node> nodes() {
        Node.Builder b = Node.newBuilder().setName(NODE);
        Fabric.nodeAddresses(1).forEach(a -> b.addIps(IpcacheKey.format(a)));
        CIDRS.forEach(c -> b.addPodCidrs(c.cidr()).addRouterIps(IpcacheKey.format(c.router())));
        return Map.of(NODE, b.build());
    }

    /** The server takes TCP from the client on these ports, and nothing else in; it sends anything out. */
    private static SubjectPolicyMap serverPolicy(int... ports) {
        SubjectPolicyMap.Builder b = SubjectPolicyMap.newBuilder()
                .setSubject((int) SERVER)
                .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS)));
        for (int port : ports) {
            b.addEntries(entry(PolicyMapKey.of(CLIENT, Direction.INGRESS, IpProtocol.TCP, port)));
        }
        return b.build();
    }

    private static PolicyMapEntry entry(PolicyMapKey key) {
        return PolicyMapEntry.newBuilder()
                .setKey(ByteString.copyFrom(key.encode()))
                .setValue(ByteString.copyFrom(PolicyMapValue.allow(key).encode()))
                .addPolicies("np/test")
                .build();
    }

    private KernelDatapath.Attachment attachment(LocalEndpoint ep) {
        return pods.attachments().stream()
                .filter(a -> a.endpointId() == ep.endpointId())
                .findFirst()
                .orElseThrow();
    }

    private static PodRef ref(LocalEndpoint ep) {
        return new PodRef(NODE, ep.namespace(), ep.pod());
    }

    /** Listening sockets in the endpoint's namespace on the dual-stack wildcard: the kernel completes handshakes. */
    private void listen(LocalEndpoint ep, int... ports) {
        Path netns = pods.pod(ep.key()).orElseThrow().netns();
        for (int port : ports) {
            servers.add(Netns.call(netns, () -> {
                ServerSocketChannel s = ServerSocketChannel.open();
                s.bind(new InetSocketAddress(InetAddress.getByName("::"), port), 16);
                return s;
            }));
        }
    }

    /** A TCP connect from the endpoint's namespace: whether it was established within {@code timeout}. */
    private boolean connect(LocalEndpoint from, InetAddress to, int port, Duration timeout) throws IOException {
        Path netns = pods.pod(from.key()).orElseThrow().netns();
        try (SocketChannel c = Netns.call(netns, SocketChannel::open)) {
            c.socket().connect(new InetSocketAddress(to, port), (int) timeout.toMillis());
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    /** Whether the kernel datapath can run here (root, bpffs, libbpf, iproute2); the first call prints why not. */
    static synchronized boolean available() {
        if (unavailable == null) {
            unavailable = KernelDatapath.unavailableReason()
                    .or(Fabric::unavailableReason)
                    .or(() -> MapBackendChoice.bpffsMount(Fabric.DEFAULT_BPFFS).isEmpty()
                            ? Optional.of("no bpffs at " + Fabric.DEFAULT_BPFFS)
                            : Optional.empty());
            unavailable.ifPresent(r -> System.out.println("SKIPPING KernelPodNetworkTest: " + r));
        }
        return unavailable.isEmpty();
    }

    /** IPAM for node-1's pod CIDRs: the next addresses of both families per uid. */
    static final class Ipam implements IpamClient {
        private final Map<String, List<String>> held = new LinkedHashMap<>();
        private int next = 0x10;

        @Override
        public Node registerNode(String node, List<String> ips) {
            return nodes().get(NODE);
        }

        @Override
        public synchronized List<String> allocatePodIps(String node, String owner, String uid) {
            return held.computeIfAbsent(uid, u -> {
                int n = next++;
                return List.of("10.0.1." + n, "fd00::" + Integer.toHexString(0x100 + n));
            });
        }

        @Override
        public synchronized List<String> releasePod(String node, String uid, boolean rollback) {
            List<String> gone = held.remove(uid);
            return gone == null ? List.of() : gone;
        }
    }

    /** The identity service: the identity set in {@link #next} for the next registration. */
    static final class Identities implements IdentityClient {
        volatile long next;

        @Override
        public Endpoint registerEndpoint(RegisterEndpointRequest r) {
            return Endpoint.newBuilder()
                    .setNamespace(r.getNamespace())
                    .setPod(r.getPod())
                    .setUid(r.getUid())
                    .setNode(r.getNode())
                    .setIdentity((int) next)
                    .build();
        }

        /** Nothing is kept to deregister, by pod or by incarnation. */
        public void deregisterEndpoint(String namespace, String pod) {}

        public void deregisterEndpoint(String namespace, String pod, String uid) {}

        @Override
        public void markEndpointTerminating(String namespace, String pod, String uid) {}
    }
}
