package dev.tendril.agent.datapath.kernel;

import dev.tendril.agent.bpf.KernelMapBackend;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.agent.state.IpcacheDesired;
import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.Packet;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node running the kernel datapath for real: a {@link PodNetwork}, the agent's maps pinned in a fresh
 * bpffs directory and written by the agent's own {@link NodeMapsReconciler} from a {@link NodeImage},
 * the programs loaded and attached to every pod's veth, the verdict events collected, and echo servers
 * in every pod. The model side ({@link #model}) evaluates libs/datapath's {@link Datapath} over in-memory
 * maps holding the same entries.
 */
final class KernelCluster implements AutoCloseable {
    static final String NODE = "node-1";

    final PodNetwork net;
    final Path pinDir;
    final KernelMapBackend backend;
    final Map<String, Long> identityOf;
    final Queue<VerdictEvent> events = new ConcurrentLinkedQueue<>();
    KernelDatapath datapath;
    private VerdictEventReader reader;
    private Traffic traffic;
    private final Map<Long, Identity> identities = new HashMap<>();
    private NodeImage image = NodeImage.EMPTY;

    private KernelCluster(PodNetwork net, Path pinDir, Map<String, Long> identityOf) {
        this.net = net;
        this.pinDir = pinDir;
        this.backend = new KernelMapBackend(pinDir);
        this.identityOf = identityOf;
    }

    /**
     * @param identityOf pod name to its identity, in pod order
     * @param identityLabels identity to its labels (protos), for the image; may be empty
     */
    static KernelCluster start(Map<String, Long> identityOf, Map<Long, Identity> identityLabels,
                               KernelDatapathConfig config, List<Integer> tcpPorts, List<Integer> udpPorts) {
        KernelCluster c = withoutDatapath(identityOf, identityLabels, tcpPorts, udpPorts);
        try {
            c.loadDatapath(config);
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The pods, their maps and echo servers, but no programs: {@link #loadDatapath} or another process loads them. */
    static KernelCluster withoutDatapath(Map<String, Long> identityOf, Map<Long, Identity> identityLabels,
                                         List<Integer> tcpPorts, List<Integer> udpPorts) {
        KernelTestSupport.assumeKernelDatapath();
        PodNetwork net = PodNetwork.create(List.copyOf(identityOf.keySet()));
        Path dir = KernelTestSupport.newPinDirectory();
        KernelCluster c = new KernelCluster(net, dir, identityOf);
        try {
            c.identities.putAll(identityLabels);
            c.apply(Map.of());
            c.traffic = Traffic.start(net.pods(), tcpPorts, udpPorts);
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Loads the programs over this node's pins, attaches every pod and starts collecting events. */
    void loadDatapath(KernelDatapathConfig config) {
        datapath = KernelDatapath.load(pinDir, config);
        for (PodNetwork.Pod p : net.pods()) {
            datapath.attach(p.endpointId(), net.nodeNetns(), p.hostInterface());
        }
        readEvents(datapath);
    }

    /** Collects the events of the ring buffer pinned in this node's directory (again, after a restart). */
    void readEvents(KernelDatapath from) {
        if (reader != null) {
            reader.close();
        }
        reader = from.events(events::add);
    }

    /** Writes the maps for these published policies, as the agent would on a new image. */
    NodeImage apply(Map<Long, SubjectPolicyMap> policies) {
        Map<Long, Identity> ids = Map.copyOf(identities);
        Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        for (PodNetwork.Pod p : net.pods()) {
            endpoints.put(namespace(p) + "/" + podName(p), Endpoint.newBuilder().setNamespace(namespace(p))
                    .setPod(podName(p)).setNode(NODE).setIpv4(p.ipv4Text()).setIpv6(p.ipv6Text())
                    .setIdentity((int) (long) identityOf.get(p.name())).build());
        }
        Map<String, Node> nodes = Map.of(NODE, Node.newBuilder().setName(NODE)
                .addIps(PodNetwork.NODE_IPV4).addIps(PodNetwork.NODE_IPV6).build());
        image = new NodeImage(ids, endpoints, nodes, policies);
        var outcome = NodeMapsReconciler.reconcile(backend, image, NODE, locals());
        assertThat(outcome.problems()).as("map writes").isEmpty();
        return image;
    }

    List<LocalEndpoint> locals() {
        List<LocalEndpoint> out = new ArrayList<>();
        for (PodNetwork.Pod p : net.pods()) {
            out.add(new LocalEndpoint(namespace(p), podName(p), "uid-" + p.endpointId(), p.endpointId(), p.ipv4Text(),
                    p.ipv6Text(), identityOf.get(p.name())));
        }
        return out;
    }

    /** A pod named {@code ns/pod} is pod {@code pod} of namespace {@code ns}; a bare name is in {@code default}. */
    private static String namespace(PodNetwork.Pod p) {
        int slash = p.name().indexOf('/');
        return slash < 0 ? "default" : p.name().substring(0, slash);
    }

    private static String podName(PodNetwork.Pod p) {
        return p.name().substring(p.name().indexOf('/') + 1);
    }

    NodeImage image() {
        return image;
    }

    /** libs/datapath's decision for a packet, on in-memory maps holding what the kernel maps hold. */
    Verdict model(InetAddress source, InetAddress destination, int protocol, int port, Direction direction,
                  String localPod) {
        Ipcache ipcache = Ipcache.inMemory("model_ipcache", Ipcache.DEFAULT_MAX_ENTRIES);
        IpcacheDesired.of(image, NODE).forEach(ipcache::put);
        PolicyMap map = PolicyMap.inMemory("model_policy", PolicyMap.MAX_MAX_ENTRIES);
        SubjectPolicyMap published = image.policies().get(identityOf.get(localPod));
        if (published != null) {
            published.getEntriesList().forEach(e -> map.put(PolicyMapKey.decode(e.getKey().toByteArray()),
                    PolicyMapValue.decode(e.getValue().toByteArray())));
        }
        return new Datapath(ipcache).evaluate(map, new Packet(source, destination, protocol, port, direction));
    }

    PodNetwork.Pod pod(String name) {
        return net.pod(name);
    }

    /** The first event matching {@code match}, waiting for it to come off the ring buffer. */
    VerdictEvent awaitEvent(String what, Predicate<VerdictEvent> match) {
        await(what).atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(match));
        return events.stream().filter(match).findFirst().orElseThrow();
    }

    List<VerdictEvent> eventsOf(InetAddress source, int sourcePort) {
        return events.stream().filter(e -> e.source().equals(source) && e.sourcePort() == sourcePort).toList();
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
        }
        if (traffic != null) {
            traffic.close();
        }
        if (datapath != null) {
            try {
                datapath.attachments().forEach(datapath::detach);
            } catch (IllegalStateException closed) {
                // A test closed the handle on purpose; deleting the namespaces removes the filters.
            }
            datapath.close();
        }
        backend.close();
        net.close();
        KernelTestSupport.removePins(pinDir);
    }
}
