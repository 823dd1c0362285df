package dev.tendril.agent.datapath.kernel;

import dev.tendril.agent.datapath.fabric.Fabric;
import dev.tendril.agent.datapath.fabric.FabricNode;
import dev.tendril.agent.datapath.fabric.FabricPod;
import dev.tendril.agent.datapath.fabric.NodeSpec;
import dev.tendril.agent.datapath.fabric.PeerNode;
import dev.tendril.agent.datapath.fabric.PodCidr;
import dev.tendril.agent.datapath.fabric.PodRef;
import dev.tendril.agent.datapath.fabric.PodSpec;
import dev.tendril.agent.endpoint.PodNetwork;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeMapsReconciler;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The node's pods on the kernel datapath: each endpoint gets its namespace and veth from the {@link Fabric}
 * (its IPAM addresses, the node's router addresses as gateways) and the programs of {@link KernelDatapath}
 * on the veth's host side, in the node's namespace. {@link #start} wires the node once its pod CIDRs are
 * known, loads the programs over the node's pinned maps, removes the pods of endpoints the agent no longer
 * has and attaches the ones it has again (a restarted agent keeps its running pods: the fabric reuses a
 * live namespace and attaching again replaces the programs in place).
 *
 * <p>Calls are serialised; until {@link #start} an attach fails (the endpoint API refuses endpoints before
 * the node is registered anyway).
 */
public final class KernelPodNetwork implements PodNetwork, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KernelPodNetwork.class.getName());

    private final Fabric fabric;
    private final String node;
    private final int index;
    private final Path pinDir;
    private final KernelDatapathConfig config;
    private FabricNode wired;
    private KernelDatapath datapath;
    private List<PeerNode> routed;
    private final Map<String, FabricPod> pods = new HashMap<>();
    /** Network namespace cookies registered for socket-LB, by pod key ("" for the node's namespace). */
    private final Map<String, Long> netnsCookies = new HashMap<>();

    private Map<String, Set<Responders.Port>> ports = Map.of();
    private Responders responders;
    private Consumer<VerdictEvent> events;
    private VerdictEventReader reader;
    private String problem = "the node's pod CIDRs are not known yet (registration with IPAM)";

    private KernelPodNetwork(Fabric fabric, String node, int index, Path pinDir, KernelDatapathConfig config) {
        this.fabric = fabric;
        this.node = node;
        this.index = index;
        this.pinDir = pinDir;
        this.config = config;
    }

    /**
     * @param index  the node's index in the fabric (its underlay addresses, {@link Fabric#nodeAddresses})
     * @param pinDir the node's pin directory, where the agent's maps are pinned
     */
    public static KernelPodNetwork open(
            Fabric fabric, String node, int index, Path pinDir, KernelDatapathConfig config) {
        return new KernelPodNetwork(fabric, node, index, pinDir, config);
    }

    /** The index of a node named {@code node-N} (N), as the local launcher names them. */
    public static Optional<Integer> indexOf(String node) {
        if (node.matches("node-[1-9][0-9]{0,2}")) {
            return Optional.of(Integer.parseInt(node.substring(5)));
        }
        return Optional.empty();
    }

    /**
     * Wires the node with {@code podCidrs}, loads the programs over its pins, removes the node's pods that
     * are not in {@code live} and wires and attaches those that are. A live endpoint that cannot be attached
     * again is logged and left to its next attach or delete.
     *
     * @return the namespaces of the stale pods removed
     */
    public synchronized List<String> start(List<PodCidr> podCidrs, Collection<LocalEndpoint> live) {
        if (datapath != null) {
            throw new IllegalStateException("the pod network of " + node + " is started already");
        }
        try {
            wired = fabric.ensureNode(new NodeSpec(node, index, podCidrs));
            datapath = KernelDatapath.load(pinDir, config);
        } catch (RuntimeException e) {
            problem = "wiring node " + node + " failed: " + e.getMessage();
            throw e;
        }
        problem = null;
        responders = Responders.open();
        if (events != null) {
            reader = datapath.events(events);
        }
        Set<PodRef> keep = live.stream().map(this::ref).collect(Collectors.toSet());
        List<String> swept = fabric.sweepPods(node, keep);
        registerNetns("", wired.netns(), 0);
        for (LocalEndpoint ep : live) {
            try {
                attach(ep);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "attaching the restored endpoint " + ep.key() + " failed: " + e.getMessage(), e);
            }
        }
        forgetStaleNetns();
        LOG.info("pod network of " + node + " in " + wired.netnsName() + ": programs " + datapath.programIds() + ", "
                + datapath.attachments().size() + " endpoints attached, stale pods removed " + swept);
        return swept;
    }

    public synchronized boolean started() {
        return datapath != null;
    }

    /** The node as wired, once started. */
    public synchronized Optional<FabricNode> node() {
        return Optional.ofNullable(wired);
    }

    @Override
    public synchronized void attach(LocalEndpoint endpoint) {
        if (datapath == null) {
            throw new IllegalStateException("the pod network of " + node + " is not started: " + problem);
        }
        FabricPod pod = fabric.ensurePod(new PodSpec(ref(endpoint), addresses(endpoint)));
        try {
            datapath.attach(endpoint.endpointId(), pod.nodeNetns(), pod.hostInterface(), pod.addresses());
            pods.put(endpoint.key(), pod);
            registerNetns(endpoint.key(), pod.netns(), endpoint.endpointId());
            responders.serve(endpoint.key(), pod.netns(), ports.getOrDefault(endpoint.key(), Set.of()));
        } catch (RuntimeException e) {
            try {
                fabric.removePod(pod.pod());
            } catch (RuntimeException r) {
                e.addSuppressed(r);
            }
            throw e;
        }
    }

    @Override
    public synchronized void detach(LocalEndpoint endpoint) {
        if (responders != null) {
            responders.stop(endpoint.key());
        }
        if (datapath != null) {
            for (KernelDatapath.Attachment a : datapath.attachments()) {
                if (a.endpointId() == endpoint.endpointId()) {
                    datapath.detach(a);
                }
            }
        }
        Long cookie = netnsCookies.remove(endpoint.key());
        if (cookie != null && datapath != null) {
            datapath.forgetNetns(cookie);
        }
        fabric.removePod(ref(endpoint));
        pods.remove(endpoint.key());
    }

    /** Lets socket-LB translate the namespace's sockets (when this machine runs it). */
    private void registerNetns(String key, Path netns, int endpointId) {
        if (datapath.socketLbProgramIds().isEmpty()) {
            return;
        }
        netnsCookies.put(key, datapath.registerNetns(netns, endpointId));
    }

    /** Drops the entries of namespaces an earlier run registered and this one did not (pods gone meanwhile). */
    private void forgetStaleNetns() {
        if (datapath.socketLbProgramIds().isEmpty()) {
            return;
        }
        Set<Long> current = Set.copyOf(netnsCookies.values());
        for (long cookie : datapath.netnsEntries().keySet()) {
            if (!current.contains(cookie)) {
                datapath.forgetNetns(cookie);
            }
        }
    }

    /** The endpoint's pod as wired ({@code namespace/pod}), while it is attached. */
    public synchronized Optional<FabricPod> pod(String key) {
        return Optional.ofNullable(pods.get(key));
    }

    /**
     * The container ports each endpoint's pod answers on ({@link Responders}), by {@code namespace/pod}: applied
     * to the wired pods now and to pods wired later.
     */
    public synchronized void serve(Map<String, Set<Responders.Port>> byPod) {
        ports = Map.copyOf(byPod);
        if (responders == null) {
            return;
        }
        pods.forEach((key, pod) -> responders.serve(key, pod.netns(), ports.getOrDefault(key, Set.of())));
    }

    /** The ports the endpoint's pod answers on now. */
    public synchronized Set<Responders.Port> served(String key) {
        return responders == null ? Set.of() : responders.served(key);
    }

    /**
     * Hands every verdict event of the programs to {@code consumer} (on the reader's thread) once the
     * programs are loaded, until {@link #close}.
     */
    public synchronized void eventsTo(Consumer<VerdictEvent> consumer) {
        if (events != null) {
            throw new IllegalStateException("the verdict events of " + node + " have a consumer already");
        }
        events = consumer;
        if (datapath != null) {
            reader = datapath.events(consumer);
        }
    }

    /** Deletes the expired connection-tracking entries: the number deleted, 0 before {@link #start}. */
    public synchronized int collectExpiredConntrack() {
        return datapath == null ? 0 : datapath.collectExpiredConntrack();
    }

    /**
     * Points attached endpoints at their policy maps again after the agent created them anew (the programs
     * hold the map object, not its pin).
     *
     * @param created names of the policy maps a reconcile pass created
     */
    public synchronized void policyMapsCreated(Collection<String> created) {
        if (datapath == null || created.isEmpty()) {
            return;
        }
        for (KernelDatapath.Attachment a : datapath.attachments()) {
            if (created.contains(NodeMapsReconciler.POLICY_MAP_PREFIX + a.endpointId())) {
                datapath.refreshPolicyMap(a.endpointId());
            }
        }
    }

    /** Routes the other nodes' pod CIDRs via their addresses; nothing when they are the ones routed already. */
    public synchronized void routePeers(List<PeerNode> peers) {
        if (wired == null || peers.equals(routed)) {
            return;
        }
        // Remembered before trying: a peer that cannot be routed is reported once per change, not per pass.
        routed = List.copyOf(peers);
        fabric.routePeers(node, peers);
    }

    /**
     * The network namespaces whose sockets this node's socket-LB translates ({@code tendril_lb_netns}): cookie to
     * endpoint id, 0 the node's own; empty before {@link #start} or without a cgroup2 mount.
     */
    public synchronized Map<Long, Integer> socketLbNamespaces() {
        return datapath == null || datapath.socketLbProgramIds().isEmpty() ? Map.of() : datapath.netnsEntries();
    }

    /** The programs tc runs for this node's endpoints (two per attached endpoint). */
    public synchronized int attachedPrograms() {
        return datapath == null ? 0 : 2 * datapath.attachments().size();
    }

    public synchronized List<KernelDatapath.Attachment> attachments() {
        return datapath == null ? List.of() : datapath.attachments();
    }

    /**
     * One endpoint's programs as the kernel reports them on its veth's hooks now (0 where a hook runs none).
     *
     * @param pod {@code namespace/name}, or null for an attachment of no pod this agent wired
     */
    public record EndpointPrograms(
            int endpointId, String pod, String interfaceName, String attachMode, int fromContainer, int toContainer) {}

    /** What runs on every attached endpoint's veth, by endpoint id; empty before {@link #start}. */
    public synchronized List<EndpointPrograms> endpointPrograms() {
        if (datapath == null) {
            return List.of();
        }
        Map<String, String> podByInterface = new HashMap<>();
        pods.forEach((key, pod) -> podByInterface.put(pod.hostInterface(), key));
        return datapath.attachments().stream()
                .sorted(Comparator.comparingInt(KernelDatapath.Attachment::endpointId))
                .map(a -> {
                    KernelDatapath.AttachedPrograms p = datapath.programsAt(a);
                    return new EndpointPrograms(
                            a.endpointId(),
                            podByInterface.get(a.interfaceName()),
                            a.interfaceName(),
                            datapath.attachMode(),
                            p.fromContainer(),
                            p.toContainer());
                })
                .toList();
    }

    /** The socket load balancer's program ids (cgroup links); empty before {@link #start} or without cgroup2. */
    public synchronized List<Integer> socketLbProgramIds() {
        return datapath == null ? List.of() : datapath.socketLbProgramIds();
    }

    /** The loaded programs' ids, from-container and to-container; empty before {@link #start}. */
    public synchronized List<Integer> programIds() {
        return datapath == null ? List.of() : datapath.programIds();
    }

    @Override
    public synchronized String status() {
        if (datapath == null) {
            return "kernel (tc): " + problem;
        }
        return "kernel (tc), " + attachedPrograms() + " programs";
    }

    /**
     * Closes this process's descriptors only: namespaces, veths and programs stay and go on enforcing; the
     * event reader and the pods' responders stop.
     */
    @Override
    public void close() {
        VerdictEventReader r;
        synchronized (this) {
            r = reader;
            reader = null;
        }
        // Outside the lock: the reader's consumer may wait for a reconcile pass that waits for this lock.
        if (r != null) {
            r.close();
        }
        closeRest();
    }

    private synchronized void closeRest() {
        if (responders != null) {
            responders.close();
            responders = null;
        }
        if (datapath != null) {
            datapath.close();
            datapath = null;
            problem = "closed";
        }
    }

    private PodRef ref(LocalEndpoint ep) {
        return new PodRef(node, ep.namespace(), ep.pod());
    }

    private static List<InetAddress> addresses(LocalEndpoint ep) {
        List<InetAddress> out = new ArrayList<>();
        for (String ip : List.of(ep.ipv4(), ep.ipv6())) {
            if (!ip.isEmpty()) {
                try {
                    out.add(InetAddress.getByName(ip));
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("endpoint " + ep.key() + ": " + ip + " is not an address", e);
                }
            }
        }
        return out;
    }
}
