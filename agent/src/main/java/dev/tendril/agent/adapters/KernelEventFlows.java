package dev.tendril.agent.adapters;

import dev.tendril.agent.datapath.kernel.KernelFlows;
import dev.tendril.agent.datapath.kernel.KernelPodNetwork;
import dev.tendril.agent.datapath.kernel.VerdictEvent;
import dev.tendril.agent.probe.FlowRecords;
import dev.tendril.agent.probe.FlowSink;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.api.v1.SubjectPolicyMap;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The kernel pod network's verdict events as flow records on the flows topic, named from the agent's current
 * image (the peers by address: endpoint, pod and labels; the policies from the deciding subject's published
 * map; a socket-LB translation's Service by its reverse-NAT index), and the connection-tracking garbage collection on a fixed interval. Started with the pod network,
 * closed with it.
 */
final class KernelEventFlows implements KernelFlows.Naming, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KernelEventFlows.class);

    private final String node;
    private final Supplier<NodeImage> image;
    private final Supplier<List<LocalEndpoint>> locals;
    private final MeshNames mesh;
    private final FlowSink sink;
    private final Clock clock;
    private final ScheduledExecutorService gc;
    private final EndpointsByAddress endpoints = new EndpointsByAddress();
    private volatile ServiceIndex serviceIndex = new ServiceIndex(null, Map.of());

    /** The image's Services by the reverse-NAT index of each of their frontends, for the image it was built from. */
    private record ServiceIndex(NodeImage image, Map<Integer, KernelFlows.ServiceName> byRevNat) {}

    KernelEventFlows(
            String node, Supplier<NodeImage> image, Supplier<List<LocalEndpoint>> locals, FlowSink sink, Clock clock) {
        this(node, image, locals, MeshNames.NONE, sink, clock);
    }

    /** @param mesh the ClusterMesh peers' identities and pods, to name a remote end */
    KernelEventFlows(
            String node,
            Supplier<NodeImage> image,
            Supplier<List<LocalEndpoint>> locals,
            MeshNames mesh,
            FlowSink sink,
            Clock clock) {
        this.node = node;
        this.image = image;
        this.locals = locals;
        this.mesh = mesh;
        this.sink = sink;
        this.clock = clock;
        this.gc = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("tendril-ct-gc").factory());
    }

    /**
     * Sends {@code kernel}'s verdict events to {@code sink} and collects its expired conntrack entries every
     * {@code gcInterval}.
     */
    static KernelEventFlows start(
            KernelPodNetwork kernel,
            String node,
            Supplier<NodeImage> image,
            Supplier<List<LocalEndpoint>> locals,
            MeshNames mesh,
            FlowSink sink,
            Duration gcInterval) {
        KernelEventFlows flows = new KernelEventFlows(node, image, locals, mesh, sink, Clock.systemUTC());
        kernel.eventsTo(flows::accept);
        long every = Math.max(1, gcInterval.toMillis());
        flows.gc.scheduleWithFixedDelay(() -> collect(kernel), every, every, TimeUnit.MILLISECONDS);
        return flows;
    }

    private static void collect(KernelPodNetwork kernel) {
        try {
            int deleted = kernel.collectExpiredConntrack();
            if (deleted > 0) {
                LOG.debugf("conntrack GC: %d expired entries deleted", deleted);
            }
        } catch (RuntimeException e) {
            LOG.warnf("conntrack GC failed: %s", e.getMessage());
        }
    }

    void accept(VerdictEvent e) {
        KernelFlows.toFlows(e, KernelFlows.time(e, clock), node, this).forEach(sink::emit);
    }

    @Override
    public FlowRecords.Peer peer(InetAddress address, long identity, int endpointId) {
        NodeImage now = image.get();
        Endpoint ep = endpoints.find(now, address);
        if (ep == null) {
            return remotePeer(now, address, identity, endpointId);
        }
        // A socket-LB event names the backend by address only: its identity is the endpoint's.
        long known = identity == 0 ? ep.getIdentity() : identity;
        int id = endpointId;
        if (id == 0 && node.equals(ep.getNode())) {
            String key = ep.getNamespace() + "/" + ep.getPod();
            id = locals.get().stream()
                    .filter(l -> l.key().equals(key))
                    .mapToInt(LocalEndpoint::endpointId)
                    .findFirst()
                    .orElse(0);
        }
        return new FlowRecords.Peer(
                id,
                known,
                ep.getNamespace(),
                ep.getPod(),
                FlowRecords.labels(known, now.identities().get(known), ep.getLabelsMap(), ep.getNamespace()),
                FlowRecords.clusterOf(now, ep.getNode()),
                FlowRecords.workloads(ep.getPod(), ep.getLabelsMap()));
    }

    /**
     * Not a pod of this cluster: a ClusterMesh peer's pod by its address (namespace, pod, labels, the peer's
     * cluster), else an address named by its identity's labels only.
     */
    private FlowRecords.Peer remotePeer(NodeImage now, InetAddress address, long identity, int endpointId) {
        Optional<MeshNames.RemoteEndpoint> remote = mesh.remoteEndpoint(address);
        if (remote.isPresent()) {
            Endpoint ep = remote.get().endpoint();
            long known = identity == 0 ? ep.getIdentity() : identity;
            return new FlowRecords.Peer(
                    endpointId,
                    known,
                    ep.getNamespace(),
                    ep.getPod(),
                    FlowRecords.labels(known, identityOf(now, known), ep.getLabelsMap(), ep.getNamespace()),
                    remote.get().cluster(),
                    FlowRecords.workloads(ep.getPod(), ep.getLabelsMap()));
        }
        return new FlowRecords.Peer(
                endpointId,
                identity,
                null,
                null,
                FlowRecords.labels(identity, identityOf(now, identity), Map.of(), null));
    }

    private Identity identityOf(NodeImage now, long id) {
        Identity local = now.identities().get(id);
        return local != null ? local : mesh.remoteIdentity(id);
    }

    @Override
    public SubjectPolicyMap policyOf(long subjectIdentity) {
        return image.get().policies().get(subjectIdentity);
    }

    @Override
    public FlowRecords.Peer localEndpoint(int endpointId) {
        if (endpointId == 0) {
            return KernelFlows.Naming.super.localEndpoint(0);
        }
        for (LocalEndpoint l : locals.get()) {
            String ip = l.ipv4().isEmpty() ? l.ipv6() : l.ipv4();
            if (l.endpointId() == endpointId && !ip.isEmpty()) {
                try {
                    return peer(InetAddress.getByName(ip), l.identity(), endpointId);
                } catch (java.net.UnknownHostException e) {
                    break;
                }
            }
        }
        return KernelFlows.Naming.super.localEndpoint(endpointId);
    }

    /** The Service of a translated flow's frontend, from the agent's image of tendril.services. */
    @Override
    public Optional<KernelFlows.ServiceName> service(int revNatIndex) {
        NodeImage now = image.get();
        ServiceIndex i = serviceIndex;
        if (i.image() != now) {
            Map<Integer, KernelFlows.ServiceName> out = new HashMap<>();
            for (ServiceMaps svc : now.services().values()) {
                for (LbFrontend f : svc.getFrontendsList()) {
                    out.put(f.getRevNatIndex(), new KernelFlows.ServiceName(svc.getNamespace(), svc.getName()));
                }
            }
            i = new ServiceIndex(now, Map.copyOf(out));
            serviceIndex = i;
        }
        return Optional.ofNullable(i.byRevNat().get(revNatIndex));
    }

    @Override
    public void close() {
        gc.shutdownNow();
    }
}
