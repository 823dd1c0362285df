package dev.tendril.agent.datapath.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tendril.agent.bpf.KernelMapBackend;
import dev.tendril.agent.datapath.fabric.Fabric;
import dev.tendril.agent.datapath.fabric.FabricNode;
import dev.tendril.agent.datapath.fabric.FabricPod;
import dev.tendril.agent.datapath.fabric.NodeSpec;
import dev.tendril.agent.datapath.fabric.PodCidr;
import dev.tendril.agent.datapath.fabric.PodSpec;
import dev.tendril.agent.datapath.fabric.StackPrefix;
import dev.tendril.agent.state.IpcacheDesired;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.Packet;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * Nodes running the kernel datapath for real: the agent's {@link Fabric} (a random stack prefix) with one
 * or more nodes and their pods, each node's maps pinned in its fabric pin directory and written by the
 * agent's own {@link NodeMapsReconciler} from a {@link NodeImage} (as that node's agent: its own addresses
 * are host, the other nodes' remote-node), each node's programs loaded and attached to its pods' veths,
 * the verdict events of every node collected, and echo servers in every pod. The model side
 * ({@link #model}) evaluates libs/datapath's {@link Datapath} over in-memory maps holding the entries of
 * the local pod's node.
 */
final class KernelCluster implements AutoCloseable {
    static final String NODE = "node-1";

    /** A pod: {@code netns}, and {@code hostInterface} in its node's namespace, are what gets attached. */
    record Pod(String name, int endpointId, FabricPod wired) {

        Path netns() {
            return wired.netns();
        }

        String node() {
            return wired.pod().node();
        }

        String hostInterface() {
            return wired.hostInterface();
        }

        InetAddress ipv4() {
            return address(true);
        }

        InetAddress address(boolean v4) {
            return wired.addresses().stream()
                    .filter(a -> (a.getAddress().length == 4) == v4)
                    .findFirst()
                    .orElseThrow();
        }

        String ipv4Text() {
            return ipv4().getHostAddress();
        }

        String ipv6Text() {
            return IpcacheKey.format(address(false));
        }
    }

    /** One node: its wiring, its pins and the datapath loaded over them. */
    static final class NodeRuntime {
        final FabricNode node;
        final Path pinDir;
        final KernelMapBackend backend;
        KernelDatapath datapath;
        VerdictEventReader reader;

        NodeRuntime(FabricNode node, Path pinDir) {
            this.node = node;
            this.pinDir = pinDir;
            this.backend = new KernelMapBackend(pinDir);
        }
    }

    final Fabric fabric;
    final Map<String, NodeRuntime> nodes = new LinkedHashMap<>();
    final Map<String, Long> identityOf;
    final Queue<VerdictEvent> events = new ConcurrentLinkedQueue<>();
    private final Map<VerdictEvent, String> eventNodes = Collections.synchronizedMap(new IdentityHashMap<>());
    private final Map<String, Pod> pods = new LinkedHashMap<>();
    /** The first node's datapath and pins, for single-node tests. */
    KernelDatapath datapath;

    final Path pinDir;
    private Traffic traffic;
    private final Map<Long, Identity> identities = new HashMap<>();
    private NodeImage image = NodeImage.EMPTY;

    private KernelCluster(Fabric fabric, int nodeCount, Map<String, Long> identityOf) {
        this.fabric = fabric;
        this.identityOf = identityOf;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> Fabric.removeAll(fabric.prefix(), Fabric.DEFAULT_BPFFS)));
        for (int i = 1; i <= nodeCount; i++) {
            String name = "node-" + i;
            FabricNode node = fabric.ensureNode(new NodeSpec(
                    name,
                    i,
                    List.of(
                            PodCidr.of("10.0." + i + ".0/24", "10.0." + i + ".1"),
                            PodCidr.of(
                                    "fd00::" + Integer.toHexString(i * 0x100) + "/120",
                                    "fd00::" + Integer.toHexString(i * 0x100 + 1)))));
            nodes.put(name, new NodeRuntime(node, fabric.pinDirectory(name)));
        }
        for (NodeRuntime n : nodes.values()) {
            fabric.routePeers(
                    n.node.name(),
                    nodes.values().stream()
                            .filter(o -> o != n)
                            .map(o -> o.node.asPeer())
                            .toList());
        }
        this.pinDir = nodes.get(NODE).pinDir;
    }

    /**
     * @param identityOf pod name to its identity, in pod order
     * @param identityLabels identity to its labels (protos), for the image; may be empty
     */
    static KernelCluster start(
            Map<String, Long> identityOf,
            Map<Long, Identity> identityLabels,
            KernelDatapathConfig config,
            List<Integer> tcpPorts,
            List<Integer> udpPorts) {
        return start(1, identityOf, identityLabels, config, tcpPorts, udpPorts);
    }

    /** The same on {@code nodeCount} nodes, pod i on node {@code i % nodeCount + 1}. */
    static KernelCluster start(
            int nodeCount,
            Map<String, Long> identityOf,
            Map<Long, Identity> identityLabels,
            KernelDatapathConfig config,
            List<Integer> tcpPorts,
            List<Integer> udpPorts) {
        KernelCluster c = withoutDatapath(nodeCount, identityOf, identityLabels, tcpPorts, udpPorts);
        try {
            c.loadDatapath(config);
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The pods, their maps and echo servers, but no programs: {@link #loadDatapath} or another process loads them. */
    static KernelCluster withoutDatapath(
            Map<String, Long> identityOf,
            Map<Long, Identity> identityLabels,
            List<Integer> tcpPorts,
            List<Integer> udpPorts) {
        return withoutDatapath(1, identityOf, identityLabels, tcpPorts, udpPorts);
    }

    static KernelCluster withoutDatapath(
            int nodeCount,
            Map<String, Long> identityOf,
            Map<Long, Identity> identityLabels,
            List<Integer> tcpPorts,
            List<Integer> udpPorts) {
        KernelTestSupport.assumeKernelDatapath();
        Fabric fabric = Fabric.open(new StackPrefix(
                "tk" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt())));
        KernelCluster c = null;
        try {
            c = new KernelCluster(fabric, nodeCount, identityOf);
            c.wirePods(List.copyOf(identityOf.keySet()));
            c.identities.putAll(identityLabels);
            c.apply(Map.of());
            c.traffic = Traffic.start(c.pods(), tcpPorts, udpPorts);
        } catch (RuntimeException | Error e) {
            if (c != null) {
                c.close();
            } else {
                Fabric.removeAll(fabric.prefix(), Fabric.DEFAULT_BPFFS);
            }
            throw e;
        }
        return c;
    }

    private void wirePods(List<String> names) {
        List<String> nodeNames = List.copyOf(nodes.keySet());
        for (int i = 0; i < names.size(); i++) {
            int n = i % nodeNames.size() + 1;
            int host = 0x10 + i;
            PodSpec spec = PodSpec.of(
                    nodeNames.get(n - 1),
                    namespace(names.get(i)),
                    podName(names.get(i)),
                    address("10.0." + n + "." + host),
                    address("fd00::" + Integer.toHexString(n * 0x100 + host)));
            pods.put(names.get(i), new Pod(names.get(i), i + 1, fabric.ensurePod(spec)));
        }
    }

    /** Loads the programs over every node's pins, attaches every pod and starts collecting events. */
    void loadDatapath(KernelDatapathConfig config) {
        for (NodeRuntime n : nodes.values()) {
            n.datapath = KernelDatapath.load(n.pinDir, config);
            for (Pod p : pods.values()) {
                if (p.node().equals(n.node.name())) {
                    n.datapath.attach(
                            p.endpointId(),
                            n.node.netns(),
                            p.hostInterface(),
                            p.wired().addresses());
                }
            }
            readEvents(n, n.datapath);
        }
        datapath = nodes.get(NODE).datapath;
    }

    /** Collects the events of the ring buffer pinned in the node's directory (again, after a restart). */
    private void readEvents(NodeRuntime n, KernelDatapath from) {
        if (n.reader != null) {
            n.reader.close();
        }
        String name = n.node.name();
        n.reader = from.events(e -> {
            eventNodes.put(e, name);
            events.add(e);
        });
    }

    /** The node whose ring buffer carried {@code event}. */
    String nodeOf(VerdictEvent event) {
        return eventNodes.get(event);
    }

    /** Empties the connection-tracking maps of every node. */
    void flushConntrack() {
        nodes.values().forEach(n -> n.datapath.flushConntrack());
    }

    /** Writes every node's maps for these published policies, as each node's agent would on a new image. */
    NodeImage apply(Map<Long, SubjectPolicyMap> policies) {
        Map<Long, Identity> ids = Map.copyOf(identities);
        Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        for (Pod p : pods.values()) {
            endpoints.put(
                    namespace(p.name()) + "/" + podName(p.name()),
                    Endpoint.newBuilder()
                            .setNamespace(namespace(p.name()))
                            .setPod(podName(p.name()))
                            .setNode(p.node())
                            .setIpv4(p.ipv4Text())
                            .setIpv6(p.ipv6Text())
                            .setIdentity((int) (long) identityOf.get(p.name()))
                            .build());
        }
        Map<String, Node> nodeProtos = new LinkedHashMap<>();
        for (NodeRuntime n : nodes.values()) {
            Node.Builder b = Node.newBuilder().setName(n.node.name());
            n.node.addresses().forEach(a -> b.addIps(IpcacheKey.format(a)));
            n.node.podCidrs().forEach(c -> b.addPodCidrs(c.cidr()).addRouterIps(IpcacheKey.format(c.router())));
            nodeProtos.put(n.node.name(), b.build());
        }
        image = new NodeImage(ids, endpoints, nodeProtos, policies);
        for (NodeRuntime n : nodes.values()) {
            var outcome = NodeMapsReconciler.reconcile(n.backend, image, n.node.name(), locals(n.node.name()));
            assertThat(outcome.problems()).as("map writes of " + n.node.name()).isEmpty();
        }
        return image;
    }

    /** The first node's endpoints. */
    List<LocalEndpoint> locals() {
        return locals(NODE);
    }

    List<LocalEndpoint> locals(String node) {
        List<LocalEndpoint> out = new ArrayList<>();
        for (Pod p : pods.values()) {
            if (p.node().equals(node)) {
                out.add(new LocalEndpoint(
                        namespace(p.name()),
                        podName(p.name()),
                        "uid-" + p.endpointId(),
                        p.endpointId(),
                        p.ipv4Text(),
                        p.ipv6Text(),
                        identityOf.get(p.name())));
            }
        }
        return out;
    }

    /** A pod named {@code ns/pod} is pod {@code pod} of namespace {@code ns}; a bare name is in {@code default}. */
    private static String namespace(String name) {
        int slash = name.indexOf('/');
        return slash < 0 ? "default" : name.substring(0, slash);
    }

    private static String podName(String name) {
        return name.substring(name.indexOf('/') + 1);
    }

    NodeImage image() {
        return image;
    }

    List<Pod> pods() {
        return List.copyOf(pods.values());
    }

    Pod pod(String name) {
        Pod p = pods.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no pod " + name);
        }
        return p;
    }

    /** The node's namespace, where its pods' host-side veths are. */
    Path nodeNetns(String node) {
        return nodes.get(node).node.netns();
    }

    /** The node's own address of a family (what the ipcache maps to host on it, to remote-node elsewhere). */
    InetAddress nodeAddress(String node, boolean v4) {
        return nodes.get(node).node.addresses().stream()
                .filter(a -> (a.getAddress().length == 4) == v4)
                .findFirst()
                .orElseThrow();
    }

    /** libs/datapath's decision for a packet, on in-memory maps holding what the local pod's node's maps hold. */
    Verdict model(
            InetAddress source, InetAddress destination, int protocol, int port, Direction direction, String localPod) {
        Ipcache ipcache = Ipcache.inMemory("model_ipcache", Ipcache.DEFAULT_MAX_ENTRIES);
        IpcacheDesired.of(image, pod(localPod).node()).forEach(ipcache::put);
        PolicyMap map = PolicyMap.inMemory("model_policy", PolicyMap.MAX_MAX_ENTRIES);
        SubjectPolicyMap published = image.policies().get(identityOf.get(localPod));
        if (published != null) {
            published
                    .getEntriesList()
                    .forEach(e -> map.put(
                            PolicyMapKey.decode(e.getKey().toByteArray()),
                            PolicyMapValue.decode(e.getValue().toByteArray())));
        }
        return new Datapath(ipcache).evaluate(map, new Packet(source, destination, protocol, port, direction));
    }

    /** The first event matching {@code match}, waiting for it to come off the ring buffer. */
    VerdictEvent awaitEvent(String what, Predicate<VerdictEvent> match) {
        await(what).atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(match));
        return events.stream().filter(match).findFirst().orElseThrow();
    }

    List<VerdictEvent> eventsOf(InetAddress source, int sourcePort) {
        return events.stream()
                .filter(e -> e.source().equals(source) && e.sourcePort() == sourcePort)
                .toList();
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public void close() {
        for (NodeRuntime n : nodes.values()) {
            if (n.reader != null) {
                n.reader.close();
            }
        }
        if (traffic != null) {
            traffic.close();
        }
        for (NodeRuntime n : nodes.values()) {
            if (n.datapath != null) {
                try {
                    n.datapath.attachments().forEach(n.datapath::detach);
                } catch (IllegalStateException closed) {
                    // A test closed the handle on purpose; removing the veths removes the filters.
                }
                n.datapath.close();
            }
            n.backend.close();
        }
        Fabric.removeAll(fabric.prefix(), Fabric.DEFAULT_BPFFS);
    }
}
