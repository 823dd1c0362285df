package dev.tendril.agent.datapath.fabric;

import dev.tendril.agent.bpf.PinOwner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * One stack's local cluster network, as the agents and the launcher drive it. Per stack a switch
 * namespace ({@code <prefix>}, a bridge), per node a namespace ({@code <prefix>_<node>}) on the switch
 * that routes the other nodes' pod CIDRs via their node addresses (Cilium's native routing), per pod a
 * namespace ({@code <prefix>_<node>_<namespace>_<pod>}) with a veth into its node, whose host side is
 * where the kernel datapath attaches. docs/datapath.md has the names, addresses and routes.
 *
 * <p>Creating is idempotent and never replaces a live namespace: an agent restarted after a SIGKILL calls
 * {@link #ensureNode} and {@link #ensurePod} again and gets its running pods back as they were. Changes
 * to one stack are serialised across threads and processes ({@code /run/tendril-fabric/<prefix>.lock}).
 * Commands are iproute2's, as child processes; a failure throws {@link FabricException} with the command
 * and what it printed. Needs CAP_NET_ADMIN and CAP_SYS_ADMIN ({@link #unavailableReason}).
 */
public final class Fabric {
    /** Where bpffs is normally mounted. */
    public static final Path DEFAULT_BPFFS = Path.of("/sys/fs/bpf");

    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;

    private final StackPrefix prefix;
    private final Path bpffsRoot;
    private final Underlay underlay;
    private final Map<String, FabricNode> nodes = new ConcurrentHashMap<>();

    private Fabric(StackPrefix prefix, Path bpffsRoot, Underlay underlay) {
        this.prefix = prefix;
        this.bpffsRoot = bpffsRoot;
        this.underlay = underlay;
    }

    /**
     * The stack's fabric; opening changes nothing. {@code bpffsRoot}: where the stack's pin directory goes;
     * {@code clusterId}: the stack's ClusterMesh cluster id (0..255), which picks its underlay addresses.
     */
    public static Fabric open(StackPrefix prefix, Path bpffsRoot, int clusterId) {
        return new Fabric(prefix, bpffsRoot, Underlay.of(clusterId));
    }

    /** Outside a mesh (cluster id 0). */
    public static Fabric open(StackPrefix prefix, Path bpffsRoot) {
        return open(prefix, bpffsRoot, 0);
    }

    public static Fabric open(StackPrefix prefix) {
        return open(prefix, DEFAULT_BPFFS);
    }

    /** Why the fabric cannot be wired by this process (not Linux, missing capabilities or tools), or empty. */
    public static Optional<String> unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return Optional.of("network namespaces need Linux, this is " + System.getProperty("os.name"));
        }
        long caps = effectiveCapabilities();
        if ((caps & (1L << CAP_NET_ADMIN)) == 0 || (caps & (1L << CAP_SYS_ADMIN)) == 0) {
            return Optional.of("network namespaces and veths need CAP_SYS_ADMIN and CAP_NET_ADMIN (run as root)");
        }
        for (String tool : List.of("ip", "sysctl")) {
            if (Stream.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")
                    .noneMatch(d -> Files.isExecutable(Path.of(d, tool)))) {
                return Optional.of(tool + " not found (Debian: apt-get install iproute2 procps)");
            }
        }
        return Optional.empty();
    }

    /**
     * The addresses node {@code index} has on the switch outside a mesh, IPv4 then IPv6 ({@code 172.31.254.N},
     * {@code fdfe:254::N}): the node's IPs to register, known before the node is wired.
     */
    public static List<InetAddress> nodeAddresses(int index) {
        return nodeAddresses(0, index);
    }

    /**
     * The addresses node {@code index} of cluster {@code clusterId} has on the switch, IPv4 then IPv6: as
     * {@link #nodeAddresses(int)} for cluster 0, {@code 172.31.C.N} and {@code fdfe:C::N} (hex) for cluster C.
     */
    public static List<InetAddress> nodeAddresses(int clusterId, int index) {
        if (index < 1 || index > Underlay.MAX_INDEX) {
            throw new IllegalArgumentException("node index must be 1.." + Underlay.MAX_INDEX + ", got " + index);
        }
        return Underlay.of(clusterId).addresses(index);
    }

    /** Whether {@code address} is a fabric node's address in some cluster (this stack's or a ClusterMesh peer's). */
    public static boolean isUnderlay(InetAddress address) {
        return Underlay.isUnderlay(address);
    }

    public StackPrefix prefix() {
        return prefix;
    }

    /** The stack's bpffs directory, {@code <bpffs>/<prefix>}: the agents' {@code tendril.agent.bpffs-dir}. */
    public Path bpffsDirectory() {
        return prefix.bpffsDirectory(bpffsRoot);
    }

    /** A node's pin directory, {@code <bpffs>/<prefix>/<node>} (the agent's {@code KernelMapBackend} directory). */
    public Path pinDirectory(String node) {
        Names.requireName("node", node);
        return bpffsDirectory().resolve(node);
    }

    /** Wires the node (and the stack's switch) as {@code spec} says, keeping whatever is already right. */
    public FabricNode ensureNode(NodeSpec spec) {
        FabricNode node = StackLock.holding(prefix, () -> NodeWiring.ensure(prefix, underlay, spec));
        nodes.put(node.name(), node);
        return node;
    }

    /** The node as wired (read from its namespace when this process has not wired it), or empty. */
    public Optional<FabricNode> node(String name) {
        Names.requireName("node", name);
        FabricNode known = nodes.get(name);
        return known != null && Namespaces.exists(known.netnsName())
                ? Optional.of(known)
                : NodeWiring.read(prefix, underlay, name);
    }

    /** The nodes whose namespaces exist, by name. */
    public List<String> nodes() {
        return Ip.namespaces().stream()
                .map(n -> Names.nodeOf(prefix, n))
                .filter(n -> n != null)
                .sorted()
                .toList();
    }

    /**
     * Sets the node's routes to the other nodes' pod CIDRs to exactly these peers' (call it again whenever
     * the node list changes; peers absent from the list lose their routes).
     */
    public void routePeers(String node, List<PeerNode> peers) {
        Names.requireName("node", node);
        StackLock.holding(prefix, () -> {
            NodeWiring.routePeers(prefix, node, peers);
            return null;
        });
    }

    /**
     * Wires the pod into its node, which must be wired. A pod whose namespace exists is kept (its veth too
     * when still paired) and only brought to the spec: {@link FabricPod#reused()} says so.
     */
    public FabricPod ensurePod(PodSpec spec) {
        return StackLock.holding(prefix, () -> {
            FabricNode node = node(spec.pod().node())
                    .orElseThrow(() -> new IllegalStateException(
                            "node " + spec.pod().node() + " is not wired in stack " + prefix + ": ensureNode first"));
            return PodWiring.ensure(prefix, node, spec);
        });
    }

    /** The pods whose namespaces exist on {@code node} (every node: null). */
    public List<PodRef> pods(String node) {
        return Ip.namespaces().stream()
                .map(n -> Names.podOf(prefix, n))
                .filter(p -> p != null && (node == null || p.node().equals(node)))
                .sorted(Comparator.comparing(PodRef::toString))
                .toList();
    }

    /**
     * Unwires the pod: its host-side veth (the pod's end, its routes, neighbour entries and tc filters go
     * with it) and its namespace. Detach the kernel datapath first ({@code KernelDatapath.detach}: the
     * veth's entry in {@code tendril_ep_ifindex} is the datapath's). Whether there was anything.
     */
    public boolean removePod(PodRef pod) {
        return StackLock.holding(prefix, () -> PodWiring.remove(prefix, pod));
    }

    /** Unwires the node: its pods, its uplink and switch port, its namespace and its pin directory. */
    public boolean removeNode(String node) {
        Names.requireName("node", node);
        return StackLock.holding(prefix, () -> {
            boolean any = false;
            for (PodRef pod : pods(node)) {
                any |= PodWiring.remove(prefix, pod);
            }
            nodes.remove(node);
            any |= NodeWiring.remove(prefix, node);
            return removeTree(pinDirectory(node)) || any;
        });
    }

    /**
     * What an earlier run of the stack left that this run does not have: nodes not in {@code liveNodes}
     * (their pods, namespaces, pins) and pods whose node is not live. The namespaces removed.
     */
    public List<String> sweepStale(Set<String> liveNodes) {
        return StackLock.holding(prefix, () -> {
            List<String> removed = new ArrayList<>();
            for (PodRef pod : pods(null)) {
                if (!liveNodes.contains(pod.node()) && PodWiring.remove(prefix, pod)) {
                    removed.add(Names.podNetns(prefix, pod));
                }
            }
            for (String node : nodes()) {
                if (!liveNodes.contains(node) && removeNode(node)) {
                    removed.add(Names.nodeNetns(prefix, node));
                }
            }
            return removed;
        });
    }

    /** The node's pods that are not in {@code live} (an agent's restored endpoints), removed. */
    public List<String> sweepPods(String node, Set<PodRef> live) {
        return StackLock.holding(prefix, () -> {
            List<String> removed = new ArrayList<>();
            for (PodRef pod : pods(node)) {
                if (!live.contains(pod) && PodWiring.remove(prefix, pod)) {
                    removed.add(Names.podNetns(prefix, pod));
                }
            }
            return removed;
        });
    }

    /**
     * Removes everything of the stack: pods, nodes, the switch, its bpffs directory
     * ({@code <bpffsRoot>/<prefix>}: every node's maps and programs) and its lock file; for
     * {@code tendril down} and {@code up --fresh}. Other stacks' objects are untouched. The namespaces removed.
     */
    public static List<String> removeAll(StackPrefix prefix, Path bpffsRoot) {
        List<String> removed = StackLock.holding(prefix, () -> {
            Fabric fabric = open(prefix, bpffsRoot);
            List<String> out = new ArrayList<>();
            for (PodRef pod : fabric.pods(null)) {
                if (PodWiring.remove(prefix, pod)) {
                    out.add(Names.podNetns(prefix, pod));
                }
            }
            for (String node : fabric.nodes()) {
                if (NodeWiring.remove(prefix, node)) {
                    out.add(Names.nodeNetns(prefix, node));
                }
            }
            for (String left : Ip.namespaces()) {
                if (prefix.owns(left) && Namespaces.delete(left)) {
                    out.add(left);
                }
            }
            removeTree(fabric.bpffsDirectory());
            return out;
        });
        StackLock.remove(prefix);
        return removed;
    }

    private static boolean removeTree(Path dir) {
        try {
            return PinOwner.removeTree(dir);
        } catch (UncheckedIOException e) {
            throw new FabricException(e.getMessage(), e);
        }
    }

    private static long effectiveCapabilities() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("CapEff:"))
                    .map(l -> Long.parseUnsignedLong(l.substring(7).trim(), 16))
                    .findFirst()
                    .orElse(0L);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
