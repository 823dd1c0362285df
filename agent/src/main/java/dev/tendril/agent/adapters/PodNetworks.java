package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.bpf.KernelMapBackend;
import dev.tendril.agent.datapath.fabric.Fabric;
import dev.tendril.agent.datapath.fabric.PeerNode;
import dev.tendril.agent.datapath.fabric.PodCidr;
import dev.tendril.agent.datapath.fabric.StackPrefix;
import dev.tendril.agent.datapath.kernel.KernelDatapath;
import dev.tendril.agent.datapath.kernel.KernelDatapathConfig;
import dev.tendril.agent.datapath.kernel.KernelPodNetwork;
import dev.tendril.agent.datapath.kernel.Responders;
import dev.tendril.agent.endpoint.PodNetwork;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.NamedPort;
import dev.tendril.api.v1.Node;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.policymap.IpProtocol;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The pod network {@code tendril.agent.pod-network} selects: the model's (nothing wired) or the kernel's
 * ({@link KernelPodNetwork}, started once IPAM answered the node's pod CIDRs). In kernel mode the node also
 * registers its fabric addresses, its peers' pod CIDRs are routed as {@code tendril.nodes} shows them, and a
 * policy map the maps' reconciler creates anew is handed to the programs again. Chosen at start-up, so that
 * {@code kernel} where it cannot run stops the agent at once.
 */
@Startup
@ApplicationScoped
public class PodNetworks implements PodNetwork {

    private static final Logger LOG = Logger.getLogger(PodNetworks.class);

    @Inject
    AgentConfig config;

    @Inject
    DatapathMaps maps;

    @Inject
    FlowPublisher flows;

    @Inject
    NodeStateConsumer state;

    @Inject
    MeshStateConsumer mesh;

    private PodNetwork active;
    private KernelPodNetwork kernel;
    private KernelEventFlows eventFlows;
    private int index;

    @PostConstruct
    void choose() {
        if (config.podNetwork() == AgentConfig.PodNetworkMode.MODEL) {
            active = PodNetwork.model("tendril.agent.pod-network=model");
            return;
        }
        String mode = "tendril.agent.pod-network=" + config.podNetwork().name().toLowerCase();
        Optional<String> refused = refusal();
        if (refused.isPresent()) {
            if (config.podNetwork() == AgentConfig.PodNetworkMode.KERNEL) {
                throw new IllegalStateException(mode + ", but " + refused.get());
            }
            active = PodNetwork.model("auto: " + refused.get());
            LOG.infof("pod network: %s", active.status());
            return;
        }
        kernel = KernelPodNetwork.open(
                Fabric.open(new StackPrefix(config.fabric().prefix()), Fabric.DEFAULT_BPFFS, config.clusterId()),
                config.nodeName(),
                index,
                config.bpffsDir().resolve(config.nodeName()),
                KernelDatapathConfig.defaults());
        active = kernel;
        LOG.infof(
                "pod network: kernel (%s), node %s index %d in fabric %s, cluster id %d",
                mode, config.nodeName(), index, config.fabric().prefix(), config.clusterId());
    }

    private Optional<String> refusal() {
        if (!(maps.backend() instanceof KernelMapBackend)) {
            return Optional.of("the node maps are not bpf (" + maps.backendReason() + ")");
        }
        Optional<Integer> i = config.fabric().nodeIndex().or(() -> KernelPodNetwork.indexOf(config.nodeName()));
        if (i.isEmpty()) {
            return Optional.of(
                    "node " + config.nodeName() + " is not named node-N: set tendril.agent.fabric.node-index");
        }
        if (config.clusterId() < 0 || config.clusterId() > 255) {
            return Optional.of("tendril.agent.cluster-id must be 0..255, was " + config.clusterId());
        }
        index = i.get();
        return KernelDatapath.unavailableReason().or(Fabric::unavailableReason);
    }

    void start(@Observes StartupEvent event, NodeRegistration registration) {
        if (kernel == null) {
            return;
        }
        follow(maps, kernel, config.nodeName(), mesh::remoteNodes);
        // A ClusterMesh peer's nodes changed (or it was disconnected): route its pod CIDRs as it shows them now.
        mesh.onChange(
                () -> maps.image().ifPresent(image -> route(kernel, image, config.nodeName(), mesh.remoteNodes())));
        eventFlows = KernelEventFlows.start(
                kernel,
                config.nodeName(),
                () -> state.status().image(),
                maps::localEndpoints,
                mesh,
                flows,
                config.ctGcInterval());
        // A thread of its own: starting waits for the maps' lock, which must not hold up a common-pool worker.
        registration
                .whenRegistered()
                .thenAcceptAsync(
                        this::startKernel,
                        r -> Thread.ofPlatform()
                                .daemon()
                                .name("tendril-pod-network-start")
                                .start(r));
    }

    /** {@link #follow(DatapathMaps, KernelPodNetwork, String, Supplier)} without ClusterMesh peers. */
    static void follow(DatapathMaps maps, KernelPodNetwork kernel, String node) {
        follow(maps, kernel, node, List::of);
    }

    /**
     * Keeps the kernel pod network in step with the maps' passes: policy maps a pass created anew are handed
     * to the programs again, the other nodes' pod CIDRs (the local ones as the image shows them, the ClusterMesh
     * peers' as {@code remoteNodes} does) are routed, and the pods answer on the container ports the image's
     * endpoints name.
     */
    static void follow(DatapathMaps maps, KernelPodNetwork kernel, String node, Supplier<List<Node>> remoteNodes) {
        maps.onPass((image, outcome) -> {
            try {
                kernel.policyMapsCreated(outcome.created());
                kernel.routePeers(peers(image, node, remoteNodes.get()));
                kernel.serve(namedPorts(image, node));
            } catch (RuntimeException e) {
                LOG.warnf("pod network after a reconcile: %s", e.getMessage());
            }
        });
    }

    private static void route(KernelPodNetwork kernel, NodeImage image, String node, List<Node> remoteNodes) {
        try {
            kernel.routePeers(peers(image, node, remoteNodes));
        } catch (RuntimeException e) {
            LOG.warnf("pod network after a ClusterMesh peer's change: %s", e.getMessage());
        }
    }

    private void startKernel(Node node) {
        try {
            List<LocalEndpoint> live = maps.table().snapshot().registered().stream()
                    .filter(e -> !maps.table().isDeleting(e.key()))
                    .toList();
            kernel.start(podCidrs(node), live);
            // A full pass now: its listener routes the peers the image shows without waiting for the next one.
            maps.reconcileCurrent("periodic");
        } catch (RuntimeException e) {
            LOG.errorf(e, "the kernel pod network of %s could not start: %s", config.nodeName(), e.getMessage());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (eventFlows != null) {
            eventFlows.close();
        }
        if (kernel != null) {
            kernel.close();
        }
    }

    /** The addresses to register the node with besides {@code tendril.agent.node-ips}: its fabric ones in kernel mode. */
    public List<String> nodeIps() {
        List<String> ips = new ArrayList<>(config.nodeIps());
        if (kernel != null) {
            Fabric.nodeAddresses(config.clusterId(), index).stream()
                    .map(IpcacheKey::format)
                    .filter(a -> !ips.contains(a))
                    .forEach(ips::add);
        }
        return ips;
    }

    @Override
    public void attach(LocalEndpoint endpoint) {
        active.attach(endpoint);
    }

    @Override
    public void detach(LocalEndpoint endpoint) {
        active.detach(endpoint);
    }

    @Override
    public String status() {
        return active.status();
    }

    /** The kernel pod network when it was selected. */
    public Optional<KernelPodNetwork> kernel() {
        return Optional.ofNullable(kernel);
    }

    /**
     * The nodes whose pod CIDRs this node routes: the other local nodes, and the ClusterMesh peers' nodes that have
     * a fabric address (a peer on the model datapath has none: nothing to route its pods via).
     */
    static List<PeerNode> peers(NodeImage image, String self, List<Node> remoteNodes) {
        List<PeerNode> out = new ArrayList<>();
        for (Node n : image.nodes().values()) {
            if (!n.getName().equals(self) && n.getPodCidrsCount() > 0 && n.getIpsCount() > 0) {
                out.add(peer(n.getName(), n));
            }
        }
        for (Node n : remoteNodes) {
            List<InetAddress> ips =
                    n.getIpsList().stream().map(PodNetworks::address).toList();
            if (n.getPodCidrsCount() > 0 && ips.stream().anyMatch(Fabric::isUnderlay)) {
                out.add(peer(n.getCluster() + "/" + n.getName(), n));
            }
        }
        return out;
    }

    private static PeerNode peer(String name, Node n) {
        return new PeerNode(
                name,
                n.getPodCidrsList(),
                n.getIpsList().stream().map(PodNetworks::address).toList());
    }

    /** The container ports of this node's endpoints as the image shows them (SCTP too: the responders skip it). */
    static Map<String, Set<Responders.Port>> namedPorts(NodeImage image, String self) {
        Map<String, Set<Responders.Port>> out = new HashMap<>();
        for (Endpoint ep : image.endpoints().values()) {
            if (ep.getNode().equals(self) && ep.getNamedPortsCount() > 0) {
                Set<Responders.Port> ports = new HashSet<>();
                for (NamedPort p : ep.getNamedPortsList()) {
                    ports.add(new Responders.Port(
                            p.getPort(),
                            switch (p.getProtocol().toUpperCase(Locale.ROOT)) {
                                case "UDP" -> IpProtocol.UDP;
                                case "SCTP" -> IpProtocol.SCTP;
                                default -> IpProtocol.TCP;
                            }));
                }
                out.put(ep.getNamespace() + "/" + ep.getPod(), ports);
            }
        }
        return out;
    }

    /** Each pod CIDR with the router address IPAM reserved in it (the first address when IPAM sent none). */
    static List<PodCidr> podCidrs(Node node) {
        List<PodCidr> out = new ArrayList<>();
        for (String cidr : node.getPodCidrsList()) {
            boolean v4 = !cidr.contains(":");
            String router = node.getRouterIpsList().stream()
                    .filter(r -> !r.contains(":") == v4)
                    .filter(r -> contains(cidr, r))
                    .findFirst()
                    .orElseGet(() -> firstHost(cidr));
            out.add(PodCidr.of(cidr, router));
        }
        return out;
    }

    private static boolean contains(String cidr, String ip) {
        try {
            PodCidr.of(cidr, ip);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String firstHost(String cidr) {
        byte[] a = address(cidr.substring(0, cidr.indexOf('/'))).getAddress();
        a[a.length - 1]++;
        try {
            return IpcacheKey.format(InetAddress.getByAddress(a));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(cidr, e);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal + " is not an address", e);
        }
    }
}
