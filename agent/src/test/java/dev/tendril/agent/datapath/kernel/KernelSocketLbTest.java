package dev.tendril.agent.datapath.kernel;

import static dev.tendril.agent.datapath.kernel.TestPolicies.allowAll;
import static dev.tendril.agent.datapath.kernel.TestPolicies.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.agent.bpf.KernelBpfMap;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.lb.LbBackendKey;
import dev.tendril.datapath.lb.LbBackendValue;
import dev.tendril.datapath.lb.LbFlags;
import dev.tendril.datapath.lb.LbMaps;
import dev.tendril.datapath.lb.LbServiceKey;
import dev.tendril.datapath.lb.LbServiceValue;
import dev.tendril.datapath.maps.UpdateFlag;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Socket load balancing for real: the node's cgroup programs translate connects (and UDP datagrams) from the pods'
 * namespaces to a Service frontend into one of its backends, whose servers answer with their pod's name. The LB
 * maps are written with libs/datapath's codecs into the node's pins, as the agent's map writer does. Skipped with
 * a printed reason where the kernel datapath cannot run (or this machine has no cgroup2 mount).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelSocketLbTest {
    static final long CLIENT = 1001;
    static final long BACKEND_A = 1002;
    static final long BACKEND_B = 1003;
    static final long GUARDED = 1004;
    static final long STRANGER = 1005;
    static final String DENY_POLICY = "CiliumNetworkPolicy/default/deny-client";
    static final int PORT = 8080;
    static final int NODE_PORT = 30080;
    static final InetAddress VIP = KernelCluster.address("10.96.0.10");
    static final InetAddress AFFINITY_VIP = KernelCluster.address("10.96.0.11");
    static final InetAddress EMPTY_VIP = KernelCluster.address("10.96.0.12");
    static final InetAddress GUARDED_VIP = KernelCluster.address("10.96.0.13");
    static final InetAddress VIP6 = KernelCluster.address("fd00:10:96::10");
    static final Duration TIMEOUT = Duration.ofSeconds(3);

    KernelCluster cluster;
    final List<AutoCloseable> servers = new ArrayList<>();

    @BeforeAll
    void start() throws IOException {
        if (!KernelTestSupport.available() || KernelDatapath.cgroupRoot().isEmpty()) {
            return;
        }
        Map<String, Long> pods = new LinkedHashMap<>();
        pods.put("client", CLIENT);
        pods.put("backend-a", BACKEND_A);
        pods.put("backend-b", BACKEND_B);
        pods.put("guarded", GUARDED);
        pods.put("stranger", STRANGER);
        cluster = KernelCluster.start(pods, Map.of(), KernelDatapathConfig.defaults(), List.of(80), List.of());
        cluster.apply(Map.of(
                CLIENT, allowAll(CLIENT),
                BACKEND_A, allowAll(BACKEND_A),
                BACKEND_B, allowAll(BACKEND_B),
                STRANGER, allowAll(STRANGER),
                GUARDED,
                        SubjectPolicyMap.newBuilder()
                                .setSubject((int) GUARDED)
                                .addEntries(
                                        entry(PolicyMapKey.anyProtocol(CLIENT, Direction.INGRESS), true, DENY_POLICY))
                                .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.INGRESS), false, ""))
                                .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS), false, ""))
                                .build()));
        KernelDatapath dp = cluster.datapath;
        dp.registerNetns(cluster.nodeNetns(KernelCluster.NODE), 0);
        for (String pod : List.of("client", "backend-a", "backend-b", "guarded")) {
            dp.registerNetns(cluster.pod(pod).netns(), cluster.pod(pod).endpointId());
        }
        for (String pod : List.of("backend-a", "backend-b")) {
            servers.add(NameServer.tcp(cluster.pod(pod).netns(), PORT, pod));
            servers.add(NameServer.udp(cluster.pod(pod).netns(), PORT, pod));
        }
        writeServices();
    }

    @BeforeEach
    void socketLb() {
        KernelTestSupport.assumeKernelDatapath();
        org.junit.jupiter.api.Assumptions.assumeTrue(
                KernelDatapath.cgroupRoot().isPresent(), "no cgroup2 mount: socket load balancing cannot run here");
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable s : servers) {
            s.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The services the tests use, written with the codecs into the node's pinned LB maps. */
    private void writeServices() {
        InetAddress a4 = cluster.pod("backend-a").address(true);
        InetAddress b4 = cluster.pod("backend-b").address(true);
        InetAddress a6 = cluster.pod("backend-a").address(false);
        InetAddress b6 = cluster.pod("backend-b").address(false);
        InetAddress guarded = cluster.pod("guarded").address(true);
        backend(1, a4, PORT, IpProtocol.TCP);
        backend(2, b4, PORT, IpProtocol.TCP);
        backend(3, a4, PORT, IpProtocol.UDP);
        backend(4, b4, PORT, IpProtocol.UDP);
        backend(5, guarded, 80, IpProtocol.TCP);
        backend(6, a6, PORT, IpProtocol.TCP);
        backend(7, b6, PORT, IpProtocol.TCP);
        frontend(VIP, PORT, IpProtocol.TCP, 1, 0, 0, 1, 2);
        frontend(AFFINITY_VIP, PORT, IpProtocol.TCP, 2, LbFlags.AFFINITY, 600, 1, 2);
        frontend(EMPTY_VIP, PORT, IpProtocol.TCP, 3, 0, 0);
        frontend(KernelCluster.address("0.0.0.0"), NODE_PORT, IpProtocol.TCP, 4, LbFlags.NODEPORT, 0, 1, 2);
        frontend(VIP, PORT, IpProtocol.UDP, 5, 0, 0, 3, 4);
        frontend(GUARDED_VIP, 80, IpProtocol.TCP, 6, 0, 0, 5);
        frontend(VIP6, PORT, IpProtocol.TCP, 7, 0, 0, 6, 7);
    }

    private void backend(long id, InetAddress address, int port, int protocol) {
        try (KernelBpfMap m = lbMap(LbMaps.backends(address.getAddress().length == 16))) {
            m.update(
                    new LbBackendKey(id).encode(),
                    LbBackendValue.of(address, port, protocol).encode(),
                    UpdateFlag.ANY);
        }
    }

    private void frontend(
            InetAddress address, int port, int protocol, int revNat, int flags, long timeout, long... backends) {
        try (KernelBpfMap m = lbMap(LbMaps.services(address.getAddress().length == 16))) {
            LbServiceKey master = LbServiceKey.master(address, port, protocol);
            for (int slot = 1; slot <= backends.length; slot++) {
                m.update(
                        master.withSlot(slot).encode(),
                        LbServiceValue.slot(backends[slot - 1], revNat, 0, 0).encode(),
                        UpdateFlag.ANY);
            }
            m.update(
                    master.encode(),
                    LbServiceValue.master(timeout, backends.length, revNat, flags, 0)
                            .encode(),
                    UpdateFlag.ANY);
        }
    }

    private KernelBpfMap lbMap(dev.tendril.datapath.maps.MapSpec spec) {
        return KernelBpfMap.createOrOpenPinned(cluster.pinDir.resolve(spec.name()), spec);
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void connectsToTheFrontendSpreadOverEveryBackend(boolean v4) throws IOException {
        InetAddress vip = v4 ? VIP : VIP6;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 64 && seen.size() < 2; i++) {
            seen.add(NameServer.askTcp(cluster.pod("client").netns(), vip, PORT));
        }
        assertThat(seen).containsExactlyInAnyOrder("backend-a", "backend-b");
    }

    @Test
    void anIpv4FrontendIsTranslatedOnAnIpv6SocketToo() throws IOException {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 64 && seen.size() < 2; i++) {
            seen.add(NameServer.askTcp(cluster.pod("client").netns(), null, VIP, PORT));
        }
        assertThat(seen).containsExactlyInAnyOrder("backend-a", "backend-b");
    }

    @Test
    void clientIpAffinityPinsOneBackend() throws IOException {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 16; i++) {
            seen.add(NameServer.askTcp(cluster.pod("client").netns(), AFFINITY_VIP, PORT));
        }
        assertThat(seen).hasSize(1);
    }

    @Test
    void aFrontendWithoutBackendsRefusesAndReportsDrop158() {
        Path netns = cluster.pod("client").netns();
        assertThatThrownBy(() -> NameServer.askTcp(netns, EMPTY_VIP, PORT))
                .as("connect(2) fails with EHOSTUNREACH, as Cilium's socket-LB answers")
                .isInstanceOf(NoRouteToHostException.class);
        SockEvent drop =
                awaitSock("drop 158", e -> !e.translated() && e.frontend().equals(EMPTY_VIP));
        assertThat(drop.dropReason()).isEqualTo(158);
        assertThat(drop.frontendPort()).isEqualTo(PORT);
        assertThat(drop.revNatIndex()).isEqualTo(3);
        assertThat(drop.endpointId()).isEqualTo(cluster.pod("client").endpointId());
    }

    @Test
    void aTranslationIsReportedWithBothEndsAndTheCookies() throws IOException {
        String name = NameServer.askTcp(cluster.pod("client").netns(), VIP, PORT);
        InetAddress backend = cluster.pod(name).address(true);
        SockEvent e = awaitSock(
                "translation",
                x -> x.translated()
                        && x.protocol() == IpProtocol.TCP
                        && x.frontend().equals(VIP)
                        && x.backend().equals(backend));
        assertThat(e.frontendPort()).isEqualTo(PORT);
        assertThat(e.backendPort()).isEqualTo(PORT);
        assertThat(e.revNatIndex()).isEqualTo(1);
        assertThat(e.protocol()).isEqualTo(IpProtocol.TCP);
        assertThat(e.netnsCookie()).isEqualTo(Netns.cookie(cluster.pod("client").netns()));
        assertThat(e.socketCookie()).isNotZero();
        assertThat(e.endpointId()).isEqualTo(cluster.pod("client").endpointId());
    }

    @Test
    void aNodePortConnectFromTheNodeReachesABackend() throws IOException {
        String name = NameServer.askTcp(
                cluster.nodeNetns(KernelCluster.NODE), cluster.nodeAddress(KernelCluster.NODE, true), NODE_PORT);
        assertThat(name).isIn("backend-a", "backend-b");
    }

    @Test
    void aUdpReplyComesBackFromTheFrontend() throws IOException {
        NameServer.Reply reply = NameServer.askUdp(cluster.pod("client").netns(), VIP, PORT);
        assertThat(reply.name()).isIn("backend-a", "backend-b");
        assertThat(reply.from()).isEqualTo(new InetSocketAddress(VIP, PORT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SOCK_STREAM", "SOCK_DGRAM"})
    void getpeernameShowsTheFrontend(String type) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Path.of("/usr/bin/python3").toFile().canExecute(), "no /usr/bin/python3 to call getpeername(2) with");
        assertThat(NameServer.peerName(cluster.pod("client").netns(), type, VIP, PORT))
                .isEqualTo(VIP.getHostAddress() + ":" + PORT);
    }

    @Test
    void aSocketOfAnUnregisteredNamespaceIsNotTranslated() {
        Path netns = cluster.pod("stranger").netns();
        assertThatThrownBy(() -> NameServer.askTcp(netns, VIP, PORT)).isInstanceOf(IOException.class);
    }

    @Test
    void policyAppliesToTheBackendAfterTranslation() {
        Traffic.Result r = Traffic.tcp(cluster.pod("client"), GUARDED_VIP, 80, Duration.ofMillis(500));
        assertThat(r.passed())
                .as("client -> guarded's Service: the backend denies the client")
                .isFalse();
        InetAddress guarded = cluster.pod("guarded").address(true);
        VerdictEvent drop = cluster.awaitEvent(
                "the backend's ingress drop",
                e -> e.type() == VerdictEvent.TYPE_POLICY_VERDICT
                        && e.direction() == VerdictEvent.DIRECTION_INGRESS
                        && e.sourcePort() == r.sourcePort()
                        && e.destination().equals(guarded));
        assertThat(drop.dropReason()).isEqualTo(181);
        assertThat(drop.destinationPort()).isEqualTo(80);
        assertThat(drop.localIdentity()).isEqualTo(GUARDED);
        assertThat(dev.tendril.agent.probe.Prober.provenance(
                        cluster.image().policies().get(GUARDED),
                        drop.toVerdict().orElseThrow()))
                .containsExactly(DENY_POLICY);
    }

    @Test
    void unpinningTheLinksDetachesEveryProgram() {
        Path cgroup = KernelDatapath.cgroupRoot().orElseThrow();
        List<Integer> ours = cluster.datapath.socketLbProgramIds();
        assertThat(ours).hasSize(8);
        assertThat(KernelDatapath.socketProgramsAttachedAt(cgroup)).containsAll(ours);

        KernelDatapath again = KernelDatapath.load(cluster.pinDir, KernelDatapathConfig.defaults());
        try {
            List<Integer> attached = KernelDatapath.socketProgramsAttachedAt(cgroup);
            assertThat(attached)
                    .as("a reload swaps its programs into the pinned links")
                    .containsAll(again.socketLbProgramIds());
            assertThat(attached).doesNotContainAnyElementsOf(ours);
            ours = again.socketLbProgramIds();
        } finally {
            again.close();
        }
        try {
            SocketLb.PROGRAMS.keySet().forEach(p -> Pins.unpin(cluster.pinDir.resolve(SocketLb.LINK_PREFIX + p)));
            List<Integer> detached = ours;
            // The kernel frees an unpinned link from a work queue, a moment after the unlink.
            org.awaitility.Awaitility.await("bpftool cgroup show: none of ours left")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> KernelDatapath.socketProgramsAttachedAt(cgroup).stream()
                            .noneMatch(detached::contains));
        } finally {
            KernelDatapath.load(cluster.pinDir, KernelDatapathConfig.defaults()).close();
        }
    }

    private SockEvent awaitSock(String what, java.util.function.Predicate<SockEvent> match) {
        VerdictEvent e = cluster.awaitEvent(what, v -> v.sock() != null && match.test(v.sock()));
        return e.sock();
    }

    /** Servers answering with their pod's name: TCP writes it and closes, UDP sends it back. */
    static final class NameServer implements AutoCloseable {
        record Reply(String name, SocketAddress from) {}

        private final java.nio.channels.Channel channel;
        private final Thread thread;

        private NameServer(java.nio.channels.Channel channel, Runnable loop) {
            this.channel = channel;
            this.thread = Thread.ofPlatform().daemon().name("name-server").start(loop);
        }

        static NameServer tcp(Path netns, int port, String name) {
            ServerSocketChannel s = Netns.call(netns, () -> {
                ServerSocketChannel c = ServerSocketChannel.open();
                c.bind(new InetSocketAddress(InetAddress.getByName("::"), port), 128);
                return c;
            });
            return new NameServer(s, () -> {
                while (s.isOpen()) {
                    try (SocketChannel c = s.accept()) {
                        c.write(ByteBuffer.wrap(name.getBytes(StandardCharsets.UTF_8)));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        static NameServer udp(Path netns, int port, String name) {
            DatagramChannel d = Netns.call(netns, () -> {
                DatagramChannel c = DatagramChannel.open();
                c.bind(new InetSocketAddress(InetAddress.getByName("::"), port));
                return c;
            });
            return new NameServer(d, () -> {
                ByteBuffer buf = ByteBuffer.allocate(64);
                while (d.isOpen()) {
                    try {
                        buf.clear();
                        SocketAddress from = d.receive(buf);
                        d.send(ByteBuffer.wrap(name.getBytes(StandardCharsets.UTF_8)), from);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        /** Connects from {@code netns} on a socket of the address's family and reads the name. */
        static String askTcp(Path netns, InetAddress to, int port) throws IOException {
            return askTcp(netns, to instanceof java.net.Inet4Address ? StandardProtocolFamily.INET : null, to, port);
        }

        /** The same on a socket of {@code family} (null: Java's default, an IPv6 socket for IPv4 too). */
        static String askTcp(Path netns, StandardProtocolFamily family, InetAddress to, int port) throws IOException {
            SocketChannel c =
                    Netns.call(netns, () -> family == null ? SocketChannel.open() : SocketChannel.open(family));
            try (c) {
                c.socket().connect(new InetSocketAddress(to, port), (int) TIMEOUT.toMillis());
                c.socket().setSoTimeout((int) TIMEOUT.toMillis());
                return new String(c.socket().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        static Reply askUdp(Path netns, InetAddress to, int port) throws IOException {
            DatagramChannel d = Netns.call(netns, () -> DatagramChannel.open(StandardProtocolFamily.INET));
            try (d) {
                d.socket().setSoTimeout((int) TIMEOUT.toMillis());
                byte[] ask = "who".getBytes(StandardCharsets.UTF_8);
                d.socket().send(new java.net.DatagramPacket(ask, ask.length, new InetSocketAddress(to, port)));
                java.net.DatagramPacket reply = new java.net.DatagramPacket(new byte[64], 64);
                d.socket().receive(reply);
                return new Reply(
                        new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8),
                        reply.getSocketAddress());
            }
        }

        /**
         * What getpeername(2) says of a socket of {@code type} ("SOCK_STREAM", "SOCK_DGRAM") connected to
         * {@code to:port} from {@code netns}: asked by python3 in the namespace, as the JDK answers from the address
         * it was given rather than the kernel's.
         */
        static String peerName(Path netns, String type, InetAddress to, int port) throws IOException {
            String script = "import socket\n" + "s = socket.socket(socket.AF_INET, socket." + type + ")\n"
                    + "s.settimeout(3)\n" + "s.connect(('" + to.getHostAddress() + "', " + port + "))\n"
                    + "print('%s:%d' % s.getpeername())\n";
            Process p = new ProcessBuilder("nsenter", "--net=" + netns, "python3", "-c", script)
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            try {
                if (p.waitFor() != 0) {
                    throw new IOException("getpeername via python3 failed: " + out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            return out;
        }

        @Override
        public void close() throws IOException, InterruptedException {
            channel.close();
            thread.join(5000);
        }
    }
}
