package dev.tendril.agent.datapath.kernel;

import static dev.tendril.agent.datapath.kernel.TestPolicies.allowAll;
import static dev.tendril.agent.datapath.kernel.TestPolicies.entry;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.agent.datapath.fabric.PodRef;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The kernel datapath on the agent's fabric across two nodes: client and other on node-1, server on
 * node-2. A connection between nodes is decided on both (egress on the client's node, ingress on the
 * server's), the ipcache of each node makes the other node remote-node and itself host, and removing a
 * pod (after detaching it, as the agent does) leaves nothing of it: no namespace, no veth, no tc filter,
 * no entry of the datapath's maps. IPv4 and IPv6.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelFabricTest {
    static final long CLIENT = 1001;
    static final long SERVER = 1002;
    static final long OTHER = 1003;
    static final Duration ALLOWED = Duration.ofSeconds(3);
    static final Duration DROPPED = Duration.ofMillis(300);

    KernelCluster cluster;

    static Map<String, Long> pods() {
        Map<String, Long> pods = new LinkedHashMap<>();
        pods.put("client", CLIENT);
        pods.put("server", SERVER);
        pods.put("other", OTHER);
        return pods;
    }

    static Map<Long, SubjectPolicyMap> policies() {
        return Map.of(
                CLIENT,
                allowAll(CLIENT),
                OTHER,
                allowAll(OTHER),
                SERVER,
                SubjectPolicyMap.newBuilder()
                        .setSubject((int) SERVER)
                        .addEntries(entry(
                                PolicyMapKey.of(CLIENT, Direction.INGRESS, IpProtocol.TCP, 80), false, "np/server"))
                        .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS), false, ""))
                        .build());
    }

    @BeforeAll
    void start() {
        if (!KernelTestSupport.available()) {
            return;
        }
        cluster = KernelCluster.start(2, pods(), Map.of(), KernelDatapathConfig.defaults(), List.of(80, 81), List.of());
        cluster.apply(policies());
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
    void aConnectionBetweenNodesIsDecidedOnBothNodes(boolean v4) {
        KernelCluster.Pod client = cluster.pod("client");
        KernelCluster.Pod server = cluster.pod("server");
        assertThat(List.of(client.node(), server.node())).containsExactly("node-1", "node-2");

        Traffic.Result allowed = Traffic.tcp(client, server.address(v4), 80, ALLOWED);
        assertThat(allowed.passed()).as("client (node-1) -> server (node-2):80").isTrue();
        VerdictEvent egress = cluster.awaitEvent(
                "egress",
                e -> e.sourcePort() == allowed.sourcePort()
                        && e.isPolicyVerdict()
                        && e.direction() == VerdictEvent.DIRECTION_EGRESS
                        && e.source().equals(client.address(v4)));
        VerdictEvent ingress = cluster.awaitEvent(
                "ingress",
                e -> e.sourcePort() == allowed.sourcePort()
                        && e.isPolicyVerdict()
                        && e.direction() == VerdictEvent.DIRECTION_INGRESS
                        && e.source().equals(client.address(v4)));
        assertThat(cluster.nodeOf(egress)).isEqualTo("node-1");
        assertThat(egress.endpointId()).isEqualTo(client.endpointId());
        assertThat(List.of(egress.sourceIdentity(), egress.destinationIdentity()))
                .containsExactly(CLIENT, SERVER);
        assertThat(cluster.nodeOf(ingress)).isEqualTo("node-2");
        assertThat(ingress.endpointId()).isEqualTo(server.endpointId());
        assertThat(List.of(ingress.sourceIdentity(), ingress.destinationIdentity()))
                .containsExactly(CLIENT, SERVER);

        Traffic.Result denied = Traffic.tcp(client, server.address(v4), 81, DROPPED);
        assertThat(denied.passed()).isFalse();
        VerdictEvent drop =
                cluster.awaitEvent("drop", e -> e.sourcePort() == denied.sourcePort() && e.dropReason() == 133);
        assertThat(cluster.nodeOf(drop)).as("dropped at the server's node").isEqualTo("node-2");
        assertThat(drop.direction()).isEqualTo(VerdictEvent.DIRECTION_INGRESS);

        Traffic.Result back = Traffic.tcp(server, client.address(v4), 80, ALLOWED);
        assertThat(back.passed()).as("server (node-2) -> client (node-1)").isTrue();
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void eachNodeSeesItselfAsHostAndTheOtherAsRemoteNode(boolean v4) {
        KernelCluster.Pod client = cluster.pod("client");
        for (String node : List.of("node-1", "node-2")) {
            Traffic.Result r = Traffic.tcp(
                    cluster.nodeNetns(node), cluster.nodeAddress(node, v4), client.address(v4), 80, ALLOWED);
            assertThat(r.passed()).as(node + " -> client:80").isTrue();
            VerdictEvent e = cluster.awaitEvent(
                    node + "'s connection",
                    x -> x.sourcePort() == r.sourcePort()
                            && x.source().equals(cluster.nodeAddress(node, v4))
                            && x.isPolicyVerdict());
            assertThat(cluster.nodeOf(e)).isEqualTo("node-1");
            assertThat(e.sourceIdentity()).as(node + " seen from node-1").isEqualTo(node.equals("node-1") ? 1 : 6);
        }
    }

    @Test
    void removingAPodLeavesNothingOfItInTheFabricOrTheDatapath() throws Exception {
        try (KernelCluster own =
                KernelCluster.start(2, pods(), Map.of(), KernelDatapathConfig.defaults(), List.of(80), List.of())) {
            own.apply(policies());
            KernelCluster.Pod other = own.pod("other");
            KernelDatapath node1 = own.datapath;
            KernelDatapath.Attachment a = node1.attachments().stream()
                    .filter(x -> x.endpointId() == other.endpointId())
                    .findFirst()
                    .orElseThrow();
            String nodeNs = other.wired().nodeNetns().getFileName().toString();
            assertThat(KernelTestSupport.ip("-n", nodeNs, "-o", "link", "show")).contains(other.hostInterface());
            assertThat(KernelDatapath.programsOn(other.wired().nodeNetns(), other.hostInterface()))
                    .contains(new KernelDatapath.AttachedPrograms(
                            node1.programIds().get(0), node1.programIds().get(1)));
            assertThat(TcxLinks.pins(own.pinDir)).isNotEmpty();
            assertThat(hasKey(own.pinDir.resolve(ProgramLoader.ENDPOINT_IFINDEX), a.ifindex()))
                    .isTrue();
            assertThat(hasKey(own.pinDir.resolve(ProgramLoader.POLICY_MAPS), other.endpointId()))
                    .isTrue();

            node1.detach(a);
            PodRef ref = other.wired().pod();
            assertThat(own.fabric.removePod(ref)).isTrue();

            assertThat(Files.exists(other.netns())).as("namespace").isFalse();
            assertThat(KernelTestSupport.ip("netns", "list"))
                    .doesNotContain(other.wired().netnsName());
            assertThat(KernelTestSupport.ip("-n", nodeNs, "-o", "link", "show")).doesNotContain(other.hostInterface());
            assertThat(KernelTestSupport.ip("-n", nodeNs, "-o", "link", "show")
                            .lines()
                            .filter(l -> l.matches("^\\d+: lxc.*")))
                    .as("one veth left, the client's")
                    .hasSize(1);
            assertThat(KernelDatapath.programsOn(other.wired().nodeNetns(), other.hostInterface()))
                    .as("no device, so no programs on it")
                    .isEmpty();
            assertThat(TcxLinks.pins(own.pinDir))
                    .as("the pod's tcx links")
                    .noneMatch(p -> p.getFileName().toString().startsWith(TcxLinks.PREFIX + other.endpointId() + "_"));
            assertThat(KernelTestSupport.ip("-n", nodeNs, "route", "show")).doesNotContain(other.ipv4Text() + " ");
            assertThat(hasKey(own.pinDir.resolve(ProgramLoader.ENDPOINT_IFINDEX), a.ifindex()))
                    .as("ifindex binding")
                    .isFalse();
            assertThat(hasKey(own.pinDir.resolve(ProgramLoader.POLICY_MAPS), other.endpointId()))
                    .as("policy map")
                    .isFalse();
            assertThat(own.fabric.pods(null)).doesNotContain(ref).hasSize(2);

            assertThat(Traffic.tcp(own.pod("client"), own.pod("server").address(true), 80, ALLOWED)
                            .passed())
                    .isTrue();
        }
    }

    /** Whether a pinned map with u32 keys (and u32 values: ids, or inner map ids) has {@code key}. */
    private static boolean hasKey(Path pin, int key) {
        int fd = Pins.open(pin);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(JAVA_INT);
            k.set(JAVA_INT, 0, key);
            return LibBpf.mapLookup(fd, k, arena.allocate(JAVA_INT)) == 0;
        } finally {
            Pins.close(fd);
        }
    }
}
