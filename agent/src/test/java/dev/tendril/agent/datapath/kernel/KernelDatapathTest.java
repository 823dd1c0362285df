package dev.tendril.agent.datapath.kernel;

import static dev.tendril.agent.datapath.kernel.TestPolicies.allowAll;
import static dev.tendril.agent.datapath.kernel.TestPolicies.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.agent.probe.FlowRecords;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.MatchType;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kernel datapath with real packets between pods in network namespaces: TCP and UDP allowed and
 * denied by entries of the policy maps, the drops reported on the ring buffer with Cilium's reasons and
 * both identities, each kernel verdict equal to the model's, and the flow records the agent makes of
 * them. IPv4 and IPv6. Skipped with a printed reason where the kernel datapath cannot run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelDatapathTest {
    static final long CLIENT = 1001;
    static final long SERVER = 1002;
    static final long OTHER = 1003;
    static final String SERVER_POLICY = "CiliumNetworkPolicy/default/server";
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
        cluster =
                KernelCluster.start(pods, Map.of(), KernelDatapathConfig.defaults(), List.of(80, 81), List.of(80, 81));
        cluster.apply(Map.of(
                CLIENT, allowAll(CLIENT),
                OTHER, allowAll(OTHER),
                SERVER,
                        SubjectPolicyMap.newBuilder()
                                .setSubject((int) SERVER)
                                .addEntries(entry(
                                        PolicyMapKey.of(CLIENT, Direction.INGRESS, IpProtocol.TCP, 80),
                                        false,
                                        SERVER_POLICY))
                                .addEntries(entry(
                                        PolicyMapKey.of(CLIENT, Direction.INGRESS, IpProtocol.UDP, 80),
                                        false,
                                        SERVER_POLICY))
                                .addEntries(
                                        entry(PolicyMapKey.anyProtocol(OTHER, Direction.INGRESS), true, SERVER_POLICY))
                                .addEntries(entry(PolicyMapKey.anyProtocol(1, Direction.INGRESS), false, ""))
                                .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS), false, ""))
                                .addIngressEnforcedBy(SERVER_POLICY)
                                .build()));
    }

    @BeforeEach
    void kernelDatapath() {
        KernelTestSupport.assumeKernelDatapath();
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void allowedTcpConnectsAndBothHooksReportTheModelsVerdicts(boolean v4) {
        KernelCluster.Pod client = cluster.pod("client");
        KernelCluster.Pod server = cluster.pod("server");
        Traffic.Result r = Traffic.tcp(client, server.address(v4), 80, ALLOWED);
        assertThat(r.passed()).as("client -> server:80/TCP").isTrue();

        VerdictEvent egress =
                cluster.awaitEvent("egress verdict", e -> matches(e, client, v4, r, VerdictEvent.DIRECTION_EGRESS));
        VerdictEvent ingress =
                cluster.awaitEvent("ingress verdict", e -> matches(e, client, v4, r, VerdictEvent.DIRECTION_INGRESS));
        assertThat(egress.forwarded()).isTrue();
        assertThat(egress.tcpFlags() & 0x12).as("SYN without ACK").isEqualTo(0x02);
        assertThat(egress.endpointId()).isEqualTo(client.endpointId());
        assertThat(List.of(egress.sourceIdentity(), egress.destinationIdentity()))
                .containsExactly(CLIENT, SERVER);
        assertThat(ingress.forwarded()).isTrue();
        assertThat(ingress.endpointId()).isEqualTo(server.endpointId());
        assertThat(ingress.toVerdict().orElseThrow().matchType()).isEqualTo(MatchType.L3_L4);
        assertSameAsModel(egress, client, server, v4, IpProtocol.TCP, 80, Direction.EGRESS, "client");
        assertSameAsModel(ingress, client, server, v4, IpProtocol.TCP, 80, Direction.INGRESS, "server");

        Flow flow =
                KernelFlows.toFlow(ingress, KernelFlows.time(ingress, Clock.systemUTC()), KernelCluster.NODE, naming());
        assertThat(flow.getVerdict()).isEqualTo(dev.tendril.api.hubble.flow.Verdict.FORWARDED);
        assertThat(flow.getIngressAllowedByList()).extracting(p -> p.getName()).containsExactly("server");
        assertThat(flow.getL4().getTCP().getFlags().getSYN()).isTrue();
        assertThat(flow.getSource().getIdentity()).isEqualTo((int) CLIENT);
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void tcpWithoutAnAllowEntryIsDroppedWithReason133(boolean v4) {
        KernelCluster.Pod client = cluster.pod("client");
        KernelCluster.Pod server = cluster.pod("server");
        Traffic.Result r = Traffic.tcp(client, server.address(v4), 81, DROPPED);
        assertThat(r.passed()).as("client -> server:81/TCP").isFalse();

        VerdictEvent drop = cluster.awaitEvent("drop", e -> matches(e, client, v4, r, VerdictEvent.DIRECTION_INGRESS));
        assertThat(drop.forwarded()).isFalse();
        assertThat(drop.dropReason()).isEqualTo(133);
        assertThat(drop.matchType()).isZero();
        assertThat(List.of(drop.sourceIdentity(), drop.destinationIdentity())).containsExactly(CLIENT, SERVER);
        assertSameAsModel(drop, client, server, v4, IpProtocol.TCP, 81, Direction.INGRESS, "server");

        List<Flow> flows =
                KernelFlows.toFlows(drop, KernelFlows.time(drop, Clock.systemUTC()), KernelCluster.NODE, naming());
        assertThat(flows)
                .extracting(f -> f.getEventType().getType())
                .containsExactly(FlowRecords.MESSAGE_TYPE_POLICY_VERDICT, FlowRecords.MESSAGE_TYPE_DROP);
        Flow flow = flows.get(0);
        assertThat(flow.getVerdict()).isEqualTo(dev.tendril.api.hubble.flow.Verdict.DROPPED);
        assertThat(flow.getDropReasonDesc()).isEqualTo(dev.tendril.api.hubble.flow.DropReason.POLICY_DENIED);
        assertThat(flow.getIngressDeniedByList()).as("a default deny").isEmpty();
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void aDenyEntryDropsWithReason181(boolean v4) {
        KernelCluster.Pod other = cluster.pod("other");
        KernelCluster.Pod server = cluster.pod("server");
        Traffic.Result r = Traffic.tcp(other, server.address(v4), 80, DROPPED);
        assertThat(r.passed()).as("other -> server:80/TCP").isFalse();

        VerdictEvent drop = cluster.awaitEvent("deny", e -> matches(e, other, v4, r, VerdictEvent.DIRECTION_INGRESS));
        assertThat(drop.dropReason()).isEqualTo(181);
        assertThat(drop.toVerdict().orElseThrow().matchType()).isEqualTo(MatchType.L3_ONLY);
        assertThat(List.of(drop.sourceIdentity(), drop.destinationIdentity())).containsExactly(OTHER, SERVER);
        assertSameAsModel(drop, other, server, v4, IpProtocol.TCP, 80, Direction.INGRESS, "server");
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void udpRequestGetsItsReplyWhereAllowedAndNothingElse(boolean v4) {
        KernelCluster.Pod client = cluster.pod("client");
        KernelCluster.Pod server = cluster.pod("server");
        assertThat(Traffic.udp(client, server.address(v4), 80, ALLOWED).passed())
                .as("80/UDP")
                .isTrue();

        Traffic.Result denied = Traffic.udp(client, server.address(v4), 81, DROPPED);
        assertThat(denied.passed()).as("81/UDP").isFalse();
        VerdictEvent drop =
                cluster.awaitEvent("udp drop", e -> matches(e, client, v4, denied, VerdictEvent.DIRECTION_INGRESS));
        assertThat(drop.protocol()).isEqualTo(IpProtocol.UDP);
        assertThat(drop.dropReason()).isEqualTo(133);
        assertSameAsModel(drop, client, server, v4, IpProtocol.UDP, 81, Direction.INGRESS, "server");
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void theNodeReachesAPodWhoseIngressIsEnforcedThroughItsHostEntry(boolean v4) {
        KernelCluster.Pod server = cluster.pod("server");
        Traffic.Result r = Traffic.tcp(
                cluster.nodeNetns(KernelCluster.NODE),
                cluster.nodeAddress(KernelCluster.NODE, v4),
                server.address(v4),
                81,
                ALLOWED);
        assertThat(r.passed())
                .as("node -> server:81/TCP (allow-localhost entry)")
                .isTrue();
        VerdictEvent ingress = cluster.awaitEvent(
                "host verdict",
                e -> e.sourcePort() == r.sourcePort()
                        && e.source().equals(cluster.nodeAddress(KernelCluster.NODE, v4)));
        assertThat(ingress.sourceIdentity())
                .as("reserved:host from the ipcache")
                .isEqualTo(1);
        assertThat(ingress.forwarded()).isTrue();
    }

    @Test
    void aSourceAddressThePodDoesNotOwnIsDroppedWithReason132() {
        KernelCluster.Pod client = cluster.pod("client");
        KernelCluster.Pod server = cluster.pod("server");
        InetAddress spoofed = KernelCluster.address("10.250.9.9");
        KernelTestSupport.ip(
                "-n", client.netns().getFileName().toString(), "addr", "add", "10.250.9.9/32", "dev", "eth0");
        Traffic.Result r = Traffic.tcp(client.netns(), spoofed, server.ipv4(), 80, DROPPED);
        assertThat(r.passed()).isFalse();
        VerdictEvent drop =
                cluster.awaitEvent("spoofed", e -> e.source().equals(spoofed) && e.sourcePort() == r.sourcePort());
        assertThat(drop.type()).isEqualTo(VerdictEvent.TYPE_DROP);
        assertThat(drop.dropReason()).isEqualTo(132);
        assertThat(drop.direction()).isEqualTo(VerdictEvent.DIRECTION_EGRESS);
        Flow flow = KernelFlows.toFlow(drop, KernelFlows.time(drop, Clock.systemUTC()), KernelCluster.NODE, naming());
        assertThat(flow.getDropReasonDesc()).isEqualTo(dev.tendril.api.hubble.flow.DropReason.INVALID_SOURCE_IP);
        assertThat(flow.getEventType().getType()).isEqualTo(FlowRecords.MESSAGE_TYPE_DROP);
    }

    @Test
    void connectionTrackingCountsNoPacketsWithoutAccounting() {
        cluster.datapath.flushConntrack();
        assertThat(Traffic.tcp(cluster.pod("client"), cluster.pod("server").ipv4(), 80, ALLOWED)
                        .passed())
                .isTrue();
        assertThat(cluster.datapath.conntrack())
                .as("the connection's entries, as Cilium keeps them with bpf-conntrack-accounting off")
                .filteredOn(e -> e.protocol() == IpProtocol.TCP && e.destinationPort() == 80)
                .isNotEmpty()
                .allSatisfy(e -> {
                    assertThat(e.seenNonSyn()).isTrue();
                    assertThat(e.packets()).isZero();
                    assertThat(e.bytes()).isZero();
                });
    }

    @Test
    void reattachingReplacesTheProgramsInPlace() {
        KernelDatapath.Attachment a = cluster.datapath.attachments().stream()
                .filter(x -> x.endpointId() == cluster.pod("server").endpointId())
                .findFirst()
                .orElseThrow();
        KernelDatapath.AttachedPrograms before = cluster.datapath.programsAt(a);
        assertThat(List.of(before.fromContainer(), before.toContainer())).isEqualTo(cluster.datapath.programIds());
        cluster.datapath.attach(a.endpointId(), a.netns(), a.interfaceName(), a.addresses());
        assertThat(cluster.datapath.programsAt(a)).isEqualTo(before);
        assertThat(Traffic.tcp(cluster.pod("client"), cluster.pod("server").ipv4(), 80, ALLOWED)
                        .passed())
                .isTrue();
    }

    private static boolean matches(
            VerdictEvent e, KernelCluster.Pod from, boolean v4, Traffic.Result r, int direction) {
        return e.source().equals(from.address(v4))
                && e.sourcePort() == r.sourcePort()
                && e.direction() == direction
                && e.isPolicyVerdict();
    }

    private void assertSameAsModel(
            VerdictEvent e,
            KernelCluster.Pod from,
            KernelCluster.Pod to,
            boolean v4,
            int protocol,
            int port,
            Direction direction,
            String localPod) {
        Verdict model = cluster.model(from.address(v4), to.address(v4), protocol, port, direction, localPod);
        assertThat(e.toVerdict()).as("kernel verdict vs model").contains(model);
    }

    private KernelFlows.Naming naming() {
        return new KernelFlows.Naming() {
            @Override
            public FlowRecords.Peer peer(InetAddress address, long identity, int endpointId) {
                return new FlowRecords.Peer(endpointId, identity, "default", "", List.of());
            }

            @Override
            public SubjectPolicyMap policyOf(long subjectIdentity) {
                return cluster.image().policies().get(subjectIdentity);
            }
        };
    }
}
