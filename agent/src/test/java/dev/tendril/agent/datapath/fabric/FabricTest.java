package dev.tendril.agent.datapath.fabric;

import static dev.tendril.agent.datapath.fabric.FabricTestSupport.address;
import static dev.tendril.agent.datapath.fabric.FabricTestSupport.echoServer;
import static dev.tendril.agent.datapath.fabric.FabricTestSupport.echoes;
import static dev.tendril.agent.datapath.fabric.FabricTestSupport.inode;
import static dev.tendril.agent.datapath.fabric.FabricTestSupport.ip;
import static dev.tendril.agent.datapath.fabric.FabricTestSupport.links;
import static dev.tendril.agent.datapath.fabric.FabricTestSupport.namespaces;
import static dev.tendril.agent.datapath.fabric.FabricTestSupport.node;
import static dev.tendril.agent.datapath.fabric.FabricTestSupport.pod;
import static dev.tendril.agent.datapath.fabric.FabricTestSupport.reaches;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fabric for real, without BPF programs: two nodes on a stack's switch, pods on both, TCP between
 * them over IPv4 and IPv6 by native routing; wiring again (an agent restarted after SIGKILL) keeps running
 * pods as they are and repairs what is broken; removing a pod, a node, stale leftovers or a whole stack
 * leaves nothing of them and nothing else touched. Skipped with a printed reason where namespaces cannot
 * be made (not root, no iproute2).
 */
class FabricTest {
    @TempDir
    Path bpffs;

    final List<StackPrefix> stacks = new ArrayList<>();
    final List<AutoCloseable> open = new ArrayList<>();
    Fabric fabric;

    @BeforeEach
    void stack() {
        FabricTestSupport.assumeFabric();
        fabric = newStack();
    }

    @AfterEach
    void teardown() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        stacks.forEach(s -> Fabric.removeAll(s, bpffs));
    }

    private Fabric newStack() {
        StackPrefix prefix = FabricTestSupport.randomPrefix();
        stacks.add(prefix);
        return Fabric.open(prefix, bpffs);
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void podsOfTwoMeshClustersReachEachOtherOverTheirJoinedSwitches(boolean v4) throws Exception {
        StackPrefix eastPrefix = FabricTestSupport.randomPrefix();
        StackPrefix westPrefix = FabricTestSupport.randomPrefix();
        stacks.add(eastPrefix);
        stacks.add(westPrefix);
        Fabric east = Fabric.open(eastPrefix, bpffs, 1);
        Fabric west = Fabric.open(westPrefix, bpffs, 2);
        // Node 1 in both clusters: the same index, different underlay addresses.
        FabricNode e1 = east.ensureNode(node(1));
        FabricNode w1 = west.ensureNode(new NodeSpec("node-1", 1, node(2).podCidrs()));
        assertThat(e1.addresses()).isEqualTo(Fabric.nodeAddresses(1, 1));
        assertThat(w1.addresses()).isEqualTo(Fabric.nodeAddresses(2, 1));
        assertThat(Fabric.open(westPrefix, bpffs, 2)
                        .node("node-1")
                        .orElseThrow()
                        .index())
                .as("read back from its namespace (a restarted agent)")
                .isEqualTo(1);
        // The link the launcher's MeshLink puts between the two switches.
        String eastSwitch = Names.switchNetns(eastPrefix);
        String westSwitch = Names.switchNetns(westPrefix);
        ip("-n", eastSwitch, "link", "add", "mwest", "type", "veth", "peer", "name", "meast", "netns", westSwitch)
                .ok();
        ip("-n", eastSwitch, "link", "set", "mwest", "master", Names.BRIDGE, "up")
                .ok();
        ip("-n", westSwitch, "link", "set", "meast", "master", Names.BRIDGE, "up")
                .ok();
        FabricPod a = east.ensurePod(pod(1, "a", 16));
        FabricPod b = west.ensurePod(PodSpec.of(
                "node-1", "default", "b", address("10.0.2.16"), address("fd00::" + Integer.toHexString(0x210))));
        open.add(echoServer(a));
        open.add(echoServer(b));
        assertThat(reaches(a, address(b, v4)))
                .as("no route to the peer's pod CIDR yet")
                .isFalse();

        east.routePeers("node-1", List.of(w1.asPeer()));
        west.routePeers("node-1", List.of(e1.asPeer()));

        assertThat(reaches(a, address(b, v4))).as("east's a -> west's b").isTrue();
        assertThat(reaches(b, address(a, v4))).as("west's b -> east's a").isTrue();
        assertThat(FabricTestSupport.peerSeenBy(b, a, v4)).as("no NAT").isEqualTo(address(a, v4));
        String route = ip("-n", Names.nodeNetns(eastPrefix, "node-1"), "route", "get", Names.text(address(b, v4)))
                .ok();
        assertThat(route).contains("via " + (v4 ? "172.31.2.1" : "fdfe:2::1")).contains("dev eth0");
    }

    /** node-1 with pods a (.16) and c (.17), node-2 with pod b (.16), peers routed both ways, echo servers. */
    private List<FabricPod> twoNodes(Fabric f) {
        FabricNode n1 = f.ensureNode(node(1));
        FabricNode n2 = f.ensureNode(node(2));
        f.routePeers("node-1", List.of(n2.asPeer()));
        f.routePeers("node-2", List.of(n1.asPeer()));
        List<FabricPod> pods =
                List.of(f.ensurePod(pod(1, "a", 16)), f.ensurePod(pod(2, "b", 16)), f.ensurePod(pod(1, "c", 17)));
        pods.forEach(p -> open.add(echoServer(p)));
        return pods;
    }

    @ParameterizedTest(name = "IPv4 {0}")
    @ValueSource(booleans = {true, false})
    void podsOnTwoNodesReachEachOtherByNativeRoutingOnThePodCidrs(boolean v4) throws Exception {
        List<FabricPod> pods = twoNodes(fabric);
        FabricPod a = pods.get(0);
        FabricPod b = pods.get(1);
        FabricPod c = pods.get(2);

        assertThat(reaches(a, address(b, v4))).as("a (node-1) -> b (node-2)").isTrue();
        assertThat(reaches(b, address(a, v4))).as("b (node-2) -> a (node-1)").isTrue();
        assertThat(reaches(a, address(c, v4))).as("a -> c on the same node").isTrue();
        assertThat(FabricTestSupport.peerSeenBy(b, a, v4))
                .as("no NAT: b sees a's own address")
                .isEqualTo(address(a, v4));

        String route = ip("-n", a.nodeNetns().getFileName().toString(), "route", "get", Names.text(address(b, v4)))
                .ok();
        FabricNode n2 = fabric.node("node-2").orElseThrow();
        assertThat(route)
                .contains("via " + Names.text(n2.addresses().get(v4 ? 0 : 1)))
                .contains("dev eth0");
        String podRoute = ip("-n", a.netns().getFileName().toString(), "route", "get", Names.text(address(b, v4)))
                .ok();
        assertThat(podRoute)
                .as("the pod's gateway is its node's router address")
                .contains("via " + (v4 ? "10.0.1.1" : "fd00::101"))
                .contains("dev eth0");

        fabric.routePeers("node-1", List.of());
        assertThat(reaches(a, address(b, v4)))
                .as("node-1 without a route to node-2's pod CIDR")
                .isFalse();
        assertThat(reaches(a, address(c, v4))).as("a -> c needs no peer").isTrue();
    }

    @Test
    void aRestartedAgentWiringAgainKeepsItsRunningPodsAsTheyAre() throws Exception {
        List<FabricPod> pods = twoNodes(fabric);
        FabricPod a = pods.get(0);
        FabricPod b = pods.get(1);
        long podNs = inode(a.netns());
        long nodeNs = inode(a.nodeNetns());
        String hostBefore = ip("-n", a.nodeNetns().getFileName().toString(), "-o", "link", "show", a.hostInterface())
                .ok();
        assertThat(a.reused()).isFalse();

        try (Socket s = FabricTestSupport.connect(a, address(b, true)).orElseThrow()) {
            assertThat(echoes(s, "before")).isTrue();

            Fabric restarted = Fabric.open(fabric.prefix(), bpffs);
            FabricNode n1 = restarted.ensureNode(node(1));
            FabricNode n2 = restarted.ensureNode(node(2));
            restarted.routePeers("node-1", List.of(n2.asPeer()));
            restarted.routePeers("node-2", List.of(n1.asPeer()));
            FabricPod again = restarted.ensurePod(pod(1, "a", 16));
            assertThat(restarted.ensurePod(pod(2, "b", 16)).reused()).isTrue();

            assertThat(again.reused()).as("the namespace was found and kept").isTrue();
            assertThat(again)
                    .isEqualTo(new FabricPod(
                            a.pod(),
                            a.netnsName(),
                            a.netns(),
                            a.nodeNetns(),
                            a.hostInterface(),
                            a.podInterface(),
                            a.addresses(),
                            true));
            assertThat(inode(a.netns())).as("the same pod namespace").isEqualTo(podNs);
            assertThat(inode(a.nodeNetns())).as("the same node namespace").isEqualTo(nodeNs);
            assertThat(ip("-n", a.nodeNetns().getFileName().toString(), "-o", "link", "show", a.hostInterface())
                            .ok())
                    .as("the same veth, same index and state")
                    .isEqualTo(hostBefore);
            assertThat(echoes(s, "after the restart")).as("the open connection").isTrue();
        }
        assertThat(reaches(a, address(b, false))).isTrue();
    }

    @Test
    void anAgentKilledWithSigkillAndStartedAgainFindsItsPodsRunningAndKeepsThem() throws Exception {
        assertThat(wireInAnotherProcessAndKill()).as("first run").isEqualTo("reused=false,false");
        FabricPod a = fabric.ensurePod(pod(1, "a", 16));
        FabricPod b = fabric.ensurePod(pod(2, "b", 16));
        open.add(echoServer(b));
        long[] inodes = {inode(a.netns()), inode(b.netns()), inode(a.nodeNetns()), inode(b.nodeNetns())};
        try (Socket s = FabricTestSupport.connect(a, address(b, false)).orElseThrow()) {
            assertThat(echoes(s, "before")).isTrue();

            assertThat(wireInAnotherProcessAndKill()).as("the restarted agent").isEqualTo("reused=true,true");

            assertThat(echoes(s, "after"))
                    .as("the connection opened before the restart")
                    .isTrue();
            assertThat(new long[] {inode(a.netns()), inode(b.netns()), inode(a.nodeNetns()), inode(b.nodeNetns())})
                    .isEqualTo(inodes);
        }
        assertThat(reaches(a, address(b, true))).isTrue();
    }

    /** Runs {@link FabricWirer} on this test's stack, kills it with SIGKILL once wired: what it reported. */
    private String wireInAnotherProcessAndKill() throws Exception {
        Process p = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        FabricWirer.class.getName(),
                        fabric.prefix().value(),
                        bpffs.toString())
                .redirectErrorStream(true)
                .start();
        try {
            var out = new java.io.BufferedReader(
                    new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null && !line.startsWith(FabricWirer.READY)) {
                seen.append(line).append('\n');
            }
            assertThat(line).as("the wiring process said:\n" + seen).isNotNull();
            return line.substring(FabricWirer.READY.length() + 1);
        } finally {
            p.destroyForcibly();
            assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aPodWhoseVethWasLostGetsANewOneInTheSameNamespace() {
        List<FabricPod> pods = twoNodes(fabric);
        FabricPod a = pods.get(0);
        long podNs = inode(a.netns());
        ip("-n", a.nodeNetns().getFileName().toString(), "link", "del", a.hostInterface())
                .ok();
        assertThat(reaches(a, address(pods.get(1), true))).isFalse();

        FabricPod again = fabric.ensurePod(pod(1, "a", 16));
        assertThat(again.reused()).isTrue();
        assertThat(inode(a.netns())).isEqualTo(podNs);
        assertThat(reaches(a, address(pods.get(1), true))).isTrue();
        assertThat(reaches(a, address(pods.get(1), false))).isTrue();
    }

    @Test
    void aPodWiredAgainWithOtherAddressesLosesItsOldOnes() {
        List<FabricPod> pods = twoNodes(fabric);
        FabricPod moved = fabric.ensurePod(PodSpec.of("node-1", "default", "a", address("10.0.1.40")));
        String nodeNs = moved.nodeNetns().getFileName().toString();

        assertThat(ip("-n", moved.netnsName(), "-o", "addr", "show", "dev", "eth0", "scope", "global")
                        .ok())
                .contains("10.0.1.40/32")
                .doesNotContain("10.0.1.16")
                .doesNotContain("fd00::110");
        assertThat(ip("-n", nodeNs, "route", "show", "dev", moved.hostInterface())
                        .ok())
                .contains("10.0.1.40")
                .doesNotContain("10.0.1.16");
        assertThat(ip("-n", nodeNs, "-6", "route", "show", "dev", moved.hostInterface())
                        .ok())
                .doesNotContain("fd00::110");
        assertThat(ip("-n", moved.netnsName(), "-6", "route", "show", "default").ok())
                .isBlank();
        assertThat(reaches(pods.get(1), address("10.0.1.40"))).isTrue();
    }

    @Test
    void removePodLeavesNothingOfThePodAndKeepsTheOthers() {
        List<FabricPod> pods = twoNodes(fabric);
        FabricPod a = pods.get(0);
        String nodeNs = a.nodeNetns().getFileName().toString();

        assertThat(fabric.removePod(a.pod())).isTrue();

        assertThat(namespaces()).doesNotContain(a.netnsName());
        assertThat(Files.exists(a.netns())).isFalse();
        assertThat(links(nodeNs)).doesNotContain(a.hostInterface());
        assertThat(ip("-n", nodeNs, "route", "show").ok()).doesNotContain("10.0.1.16");
        assertThat(ip("-n", nodeNs, "-6", "route", "show").ok()).doesNotContain("fd00::110");
        assertThat(ip("-n", nodeNs, "neigh", "show").ok()).doesNotContain("10.0.1.16");
        assertThat(ip("-n", nodeNs, "-6", "neigh", "show").ok()).doesNotContain("fd00::110");
        assertThat(fabric.pods("node-1")).containsExactly(pods.get(2).pod());
        assertThat(reaches(pods.get(2), address(pods.get(1), true))).isTrue();
        assertThat(fabric.removePod(a.pod())).as("again: nothing there").isFalse();
    }

    @Test
    void removeNodeRemovesItsPodsUplinkNamespaceAndPins() throws Exception {
        List<FabricPod> pods = twoNodes(fabric);
        Files.createDirectories(fabric.pinDirectory("node-1"));
        Files.writeString(fabric.pinDirectory("node-1").resolve("cilium_lxc"), "pin");
        Files.createDirectories(fabric.pinDirectory("node-2"));

        assertThat(fabric.removeNode("node-1")).isTrue();

        assertThat(namespaces())
                .doesNotContain(
                        pods.get(0).netnsName(),
                        pods.get(2).netnsName(),
                        pods.get(0).nodeNetns().getFileName().toString());
        assertThat(links(fabric.prefix().value()))
                .doesNotContain(Names.switchPort(1))
                .contains(Names.switchPort(2));
        assertThat(fabric.pinDirectory("node-1")).doesNotExist();
        assertThat(fabric.pinDirectory("node-2")).exists();
        assertThat(fabric.nodes()).containsExactly("node-2");
        assertThat(fabric.pods(null)).containsExactly(pods.get(1).pod());
    }

    @Test
    void removeAllRemovesOneStackEntirelyAndLeavesAnotherWorking() throws Exception {
        Fabric other = newStack();
        List<FabricPod> mine = twoNodes(fabric);
        List<FabricPod> theirs = twoNodes(other);
        Files.createDirectories(fabric.pinDirectory("node-1"));
        Files.createDirectories(other.pinDirectory("node-1"));
        String prefix = fabric.prefix().value();
        int otherNamespaces =
                (int) namespaces().stream().filter(other.prefix()::owns).count();

        List<String> removed = Fabric.removeAll(fabric.prefix(), bpffs);

        assertThat(removed).contains(mine.get(0).netnsName(), prefix + "_node-1", prefix + "_node-2");
        assertThat(namespaces()).noneMatch(n -> n.startsWith(prefix));
        assertThat(links(null)).noneMatch(l -> l.startsWith(prefix));
        assertThat(fabric.bpffsDirectory()).doesNotExist();
        assertThat(StackLock.file(fabric.prefix())).doesNotExist();

        assertThat(namespaces().stream().filter(other.prefix()::owns))
                .hasSize(otherNamespaces)
                .hasSize(6);
        assertThat(other.pinDirectory("node-1")).exists();
        assertThat(reaches(theirs.get(0), address(theirs.get(1), true))).isTrue();
        assertThat(reaches(theirs.get(1), address(theirs.get(0), false))).isTrue();
        assertThat(Fabric.removeAll(fabric.prefix(), bpffs))
                .as("again: nothing left")
                .isEmpty();
    }

    @Test
    void theStaleSweepRemovesNodesAndPodsThisRunDoesNotHave() {
        List<FabricPod> pods = twoNodes(fabric);

        assertThat(fabric.sweepStale(Set.of("node-1")))
                .containsExactlyInAnyOrder(pods.get(1).netnsName(), fabric.prefix() + "_node-2");
        assertThat(fabric.nodes()).containsExactly("node-1");
        assertThat(fabric.sweepPods("node-1", Set.of(pods.get(0).pod())))
                .containsExactly(pods.get(2).netnsName());
        assertThat(fabric.pods(null)).containsExactly(pods.get(0).pod());
        assertThat(reaches(pods.get(0), address(pods.get(0), true))).isTrue();
    }

    @Test
    void aNodeIndexIsOneNodesAndErrorsNameTheCommand() {
        twoNodes(fabric);
        assertThatThrownBy(() -> fabric.ensureNode(new NodeSpec("node-3", 2, node(3).podCidrs())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node-2");
        assertThat(fabric.nodes()).containsExactly("node-1", "node-2");
        assertThatThrownBy(() -> fabric.ensurePod(PodSpec.of("node-1", "default", "d", address("10.0.2.30"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.0.1.0/24");
        assertThatThrownBy(() -> fabric.ensurePod(PodSpec.of("node-9", "default", "d", address("10.0.9.30"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ensureNode");
        assertThatThrownBy(() -> fabric.routePeers(
                        "node-1", List.of(new PeerNode("far", List.of("10.0.9.0/24"), List.of(address("192.0.2.1"))))))
                .isInstanceOf(FabricException.class)
                .hasMessageContaining("route replace 10.0.9.0/24 via 192.0.2.1")
                .hasMessageContaining("ip -n " + fabric.prefix() + "_node-1 -batch -");
    }

    @Test
    void aLeftoverNameWithoutANamespaceIsReplacedAndPeersAreRoutedViaTheirFabricAddresses() throws Exception {
        Path stale = Names.netnsPath(Names.nodeNetns(fabric.prefix(), "node-1"));
        Files.createDirectories(stale.getParent());
        Files.createFile(stale);
        FabricNode n1 = fabric.ensureNode(node(1));
        assertThat(Namespaces.mounted(n1.netnsName())).isTrue();

        FabricNode n2 = fabric.ensureNode(node(2));
        List<InetAddress> registered = new ArrayList<>(List.of(address("127.0.0.1"), address("::1")));
        registered.addAll(Fabric.nodeAddresses(2));
        fabric.routePeers("node-1", List.of(new PeerNode("node-2", n2.asPeer().podCidrs(), registered)));
        fabric.routePeers("node-2", List.of(n1.asPeer()));
        FabricPod a = fabric.ensurePod(pod(1, "a", 16));
        FabricPod b = fabric.ensurePod(pod(2, "b", 16));
        open.add(echoServer(b));
        assertThat(reaches(a, address(b, true))).isTrue();
        assertThat(reaches(a, address(b, false))).isTrue();
    }

    @Test
    void aNodeIsReadBackFromItsNamespace() {
        twoNodes(fabric);
        FabricNode read = Fabric.open(fabric.prefix(), bpffs).node("node-2").orElseThrow();
        assertThat(read).isEqualTo(fabric.node("node-2").orElseThrow());
        assertThat(read.addresses()).containsExactly(address("172.31.254.2"), address("fdfe:254::2"));
        assertThat(Fabric.open(fabric.prefix(), bpffs).node("node-7")).isEmpty();
    }
}
