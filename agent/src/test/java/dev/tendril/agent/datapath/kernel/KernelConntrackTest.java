package dev.tendril.agent.datapath.kernel;

import static dev.tendril.agent.datapath.kernel.TestPolicies.allowAll;
import static dev.tendril.agent.datapath.kernel.TestPolicies.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Connection tracking in the kernel: replies of an allowed connection pass whatever the other side's
 * policy says, and an established connection is not cut by policy changes (unrelated ones, nor ones that
 * deny new connections like it), while new connections follow the new policy. IPv4 and IPv6.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelConntrackTest {
    static final long CLIENT = 1001;
    static final long SERVER = 1002;
    static final long OTHER = 1003;
    static final Duration ALLOWED = Duration.ofSeconds(3);
    static final Duration DROPPED = Duration.ofMillis(300);

    KernelCluster cluster;

    @BeforeAll
    void start() {
        if (!KernelTestSupport.available()) {
            return;
        }
        Map<String, Long> pods = new LinkedHashMap<>();
        pods.put("client", CLIENT);
        pods.put("server", SERVER);
        pods.put("other", OTHER);
        cluster = KernelCluster.start(
                pods,
                Map.of(),
                KernelDatapathConfig.defaults().withConntrackAccounting(true),
                List.of(80, 81),
                List.of(80));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void serverAcceptsClientOn80() {
        KernelTestSupport.assumeKernelDatapath();
        cluster.apply(policies(serverIngress(true), allowAll(CLIENT)));
        cluster.datapath.flushConntrack();
    }

    /** The server: ingress from the client on 80 (TCP and UDP) when {@code allowClient}, egress nothing at all. */
    static SubjectPolicyMap serverIngress(boolean allowClient) {
        var b = SubjectPolicyMap.newBuilder()
                .setSubject((int) SERVER)
                .addEntries(entry(PolicyMapKey.of(OTHER, Direction.INGRESS, IpProtocol.TCP, 81), false, "np/other"));
        if (allowClient) {
            b.addEntries(entry(PolicyMapKey.of(CLIENT, Direction.INGRESS, IpProtocol.TCP, 80), false, "np/client"))
                    .addEntries(
                            entry(PolicyMapKey.of(CLIENT, Direction.INGRESS, IpProtocol.UDP, 80), false, "np/client"));
        }
        return b.build();
    }

    static Map<Long, SubjectPolicyMap> policies(SubjectPolicyMap server, SubjectPolicyMap client) {
        return Map.of(SERVER, server, CLIENT, client, OTHER, allowAll(OTHER));
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void repliesPassAlthoughTheServersEgressAllowsNothing(boolean v4) throws IOException {
        try (SocketChannel c =
                Traffic.connect(cluster.pod("client"), cluster.pod("server").address(v4), 80, ALLOWED)) {
            assertThat(Traffic.echo(c, "hello")).isTrue();
        }
        assertThat(Traffic.tcp(cluster.pod("server"), cluster.pod("client").address(v4), 80, DROPPED)
                        .passed())
                .as("the server opening a connection itself")
                .isFalse();
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void anEstablishedConnectionOutlivesPolicyChangesThatDenyNewOnes(boolean v4) throws IOException {
        InetAddress server = cluster.pod("server").address(v4);
        int port;
        try (SocketChannel c = Traffic.connect(cluster.pod("client"), server, 80, ALLOWED)) {
            port = ((InetSocketAddress) c.getLocalAddress()).getPort();
            assertThat(Traffic.echo(c, "before")).isTrue();

            cluster.apply(policies(
                    serverIngress(true).toBuilder()
                            .addEntries(entry(
                                    PolicyMapKey.of(OTHER, Direction.INGRESS, IpProtocol.TCP, 80), false, "np/other"))
                            .build(),
                    allowAll(CLIENT)));
            assertThat(Traffic.echo(c, "after an unrelated change")).isTrue();

            cluster.apply(policies(serverIngress(false), allowAll(CLIENT)));
            assertThat(Traffic.tcp(cluster.pod("client"), server, 80, DROPPED).passed())
                    .as("a new connection once the server's ingress denies the client")
                    .isFalse();
            assertThat(Traffic.echo(c, "after the server's ingress denies new connections"))
                    .isTrue();

            cluster.apply(policies(
                    serverIngress(false),
                    SubjectPolicyMap.newBuilder().setSubject((int) CLIENT).build()));
            assertThat(Traffic.echo(c, "after the client's egress denies everything"))
                    .isTrue();

            List<Conntrack.Entry> tracked = cluster.datapath.conntrack().stream()
                    .filter(e -> e.sourcePort() == port && e.protocol() == IpProtocol.TCP)
                    .toList();
            assertThat(tracked).extracting(Conntrack.Entry::outgoing).containsExactlyInAnyOrder(true, false);
            assertThat(tracked).allSatisfy(e -> {
                assertThat(e.source()).isEqualTo(cluster.pod("client").address(v4));
                assertThat(e.destination()).isEqualTo(server);
                assertThat(e.destinationPort()).isEqualTo(80);
                assertThat(e.seenNonSyn()).isTrue();
                assertThat(e.packets()).as("counted: CT accounting is on here").isGreaterThan(4);
                assertThat(e.bytes()).isGreaterThan(e.packets() * 40);
                assertThat(e.sourceIdentity()).isEqualTo(CLIENT);
            });
        }
        await("both entries closing once FINs went both ways")
                .atMost(Duration.ofSeconds(5))
                .until(() -> cluster.datapath.conntrack().stream()
                        .filter(e -> e.sourcePort() == port && e.protocol() == IpProtocol.TCP)
                        .allMatch(e -> e.rxClosing() && e.txClosing()));
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void anEstablishedUdpFlowKeepsGettingRepliesWhileNewFlowsAreDropped(boolean v4) throws IOException {
        KernelCluster.Pod client = cluster.pod("client");
        InetAddress server = cluster.pod("server").address(v4);
        try (DatagramChannel d = Netns.call(client.netns(), () -> {
            DatagramChannel ch = DatagramChannel.open();
            ch.bind(new InetSocketAddress(client.address(v4), 0));
            return ch;
        })) {
            d.socket().setSoTimeout((int) ALLOWED.toMillis());
            assertThat(roundTrip(d, server)).isTrue();
            cluster.apply(policies(serverIngress(false), allowAll(CLIENT)));
            assertThat(Traffic.udp(client, server, 80, DROPPED).passed())
                    .as("a new flow")
                    .isFalse();
            assertThat(roundTrip(d, server)).as("the established flow").isTrue();
        }
    }

    /**
     * A UDP flow's entries live 60 s, an established TCP connection's 6 h (Cilium's lifetimes): collected as
     * of an hour from now, the UDP entries go and the TCP ones stay; nothing is collected as of now.
     */
    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void theGarbageCollectorDeletesOnlyExpiredEntries(boolean v4) throws IOException {
        KernelCluster.Pod client = cluster.pod("client");
        InetAddress server = cluster.pod("server").address(v4);
        try (SocketChannel c = Traffic.connect(client, server, 80, ALLOWED);
                DatagramChannel d = Netns.call(client.netns(), () -> {
                    DatagramChannel ch = DatagramChannel.open();
                    ch.bind(new InetSocketAddress(client.address(v4), 0));
                    return ch;
                })) {
            assertThat(Traffic.echo(c, "tracked")).isTrue();
            d.socket().setSoTimeout((int) ALLOWED.toMillis());
            assertThat(roundTrip(d, server)).isTrue();
            long now = KernelDatapath.monotonicSeconds();
            List<Conntrack.Entry> tracked = cluster.datapath.conntrack();
            assertThat(tracked)
                    .extracting(Conntrack.Entry::protocol)
                    .as("both ends of both flows")
                    .containsExactlyInAnyOrder(IpProtocol.TCP, IpProtocol.TCP, IpProtocol.UDP, IpProtocol.UDP);
            assertThat(tracked)
                    .as("lifetimes are in the programs' clock, which the GC reads")
                    .allSatisfy(e -> assertThat(e.lifetime()).isBetween(now, now + 6 * 3600 + 5));

            assertThat(cluster.datapath.collectExpiredConntrack())
                    .as("nothing has expired yet")
                    .isZero();
            assertThat(cluster.datapath.conntrack()).hasSize(4);

            assertThat(cluster.datapath.collectExpiredConntrack(now + 3600))
                    .as("the UDP flow's two entries")
                    .isEqualTo(2);
            assertThat(cluster.datapath.conntrack())
                    .extracting(Conntrack.Entry::protocol)
                    .containsExactly(IpProtocol.TCP, IpProtocol.TCP);
            assertThat(Traffic.echo(c, "the connection goes on")).isTrue();
        }
    }

    private static boolean roundTrip(DatagramChannel d, InetAddress server) throws IOException {
        byte[] out = "ping".getBytes(StandardCharsets.UTF_8);
        d.socket().send(new DatagramPacket(out, out.length, new InetSocketAddress(server, 80)));
        DatagramPacket in = new DatagramPacket(new byte[16], 16);
        d.socket().receive(in);
        return in.getLength() == out.length;
    }
}
