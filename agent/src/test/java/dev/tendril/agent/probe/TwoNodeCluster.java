package dev.tendril.agent.probe;

import com.google.protobuf.ByteString;
import dev.tendril.agent.state.InMemoryMapBackend;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.LocalEndpointTable;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.lb.LbMaps;
import dev.tendril.datapath.lb.LoadBalancer;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.HashMapInMemory;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The probe tests' cluster: pod {@code shop/web} (identity {@link #WEB}) on node-1 and {@code shop/api}
 * ({@link #API}) on node-2, web allowed to egress to api ({@code NetworkPolicy/shop/web-egress}) and api to
 * accept web on TCP 8080 only ({@code NetworkPolicy/shop/api-allow-web}), policy revision 3. Each node's prober
 * runs over its own in-memory maps reconciled from the same image, wired to the other by an in-process
 * {@link PeerClient}. The tests give the Services.
 */
final class TwoNodeCluster {

    static final long WEB = 2001;
    static final long API = 2004;

    /** One simulated node: its maps, its prober, the flows it emitted. */
    static final class SimNode implements NodeView {
        final String name;
        final NodeImage image;
        final InMemoryMapBackend backend = new InMemoryMapBackend();
        final List<LocalEndpoint> locals;
        final List<Flow> flows = new ArrayList<>();
        // The model's own ClientIP affinity, as the agent's ProbeService keeps it.
        final BpfMap affinity = new HashMapInMemory(LbMaps.AFFINITY_V4);
        final Prober prober;
        /** The ClusterMesh peers' pods this node knows, by address (as the agent's mesh consumer holds them). */
        final Map<String, RemotePod> remotePods = new HashMap<>();

        SimNode(String name, NodeImage image, PeerClient peers, Clock clock) {
            this.name = name;
            this.image = image;
            this.locals = new LocalEndpointTable(name, LocalEndpointTable.Snapshot.EMPTY).resolve(image);
            NodeMapsReconciler.reconcile(backend, image, name, locals, true);
            this.prober = new Prober(this, peers, flows::add, clock);
        }

        @Override
        public String nodeName() {
            return name;
        }

        @Override
        public NodeImage image() {
            return image;
        }

        @Override
        public List<LocalEndpoint> localEndpoints() {
            return locals;
        }

        @Override
        public long resolveIdentity(InetAddress address) {
            return new Datapath(new Ipcache(
                            backend.open(NodeMapsReconciler.IPCACHE_MAP).orElseThrow()))
                    .resolveIdentity(address);
        }

        @Override
        public Optional<RemotePod> remotePod(InetAddress address) {
            return Optional.ofNullable(remotePods.get(address.getHostAddress()));
        }

        @Override
        public Optional<PolicyMap> policyMap(LocalEndpoint endpoint) {
            return backend.open(endpoint.policyMapName()).map(PolicyMap::new);
        }

        /** The model socket-LB over the IPv4 LB maps; empty while the node has none. */
        @Override
        public Optional<LoadBalancer> loadBalancer() {
            Optional<BpfMap> services = backend.open(LbMaps.SERVICES_V4.name());
            Optional<BpfMap> backends = backend.open(LbMaps.BACKENDS_V4.name());
            if (services.isEmpty() || backends.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(
                    new LoadBalancer(new LoadBalancer.FamilyMaps(services.get(), backends.get(), affinity), null));
        }
    }

    /** Calls the other node's prober in process, as HttpPeerClient calls its agent. */
    static final class InProcessPeers implements PeerClient {
        final Map<String, SimNode> nodes = new HashMap<>();
        final List<String> calls = new ArrayList<>();

        @Override
        public ProbeResponse forward(String node, ProbeRequest request) {
            calls.add("forward " + node);
            return nodes.get(node).prober.probe(request, true).response();
        }

        @Override
        public ProbeResponse.IngressResponse ingress(String node, ProbeResponse.IngressRequest request) {
            calls.add("ingress " + node);
            return nodes.get(node).prober.ingress(request);
        }
    }

    final InProcessPeers peers = new InProcessPeers();
    final SimNode node1;
    final SimNode node2;

    TwoNodeCluster(Map<String, ServiceMaps> services, Clock clock) {
        NodeImage image = new NodeImage(Map.of(), endpoints(), nodes(), policies(), services);
        node1 = new SimNode("node-1", image, peers, clock);
        node2 = new SimNode("node-2", image, peers, clock);
        peers.nodes.put("node-1", node1);
        peers.nodes.put("node-2", node2);
    }

    private static Map<String, Endpoint> endpoints() {
        return Map.of(
                "shop/web",
                endpoint("web", "node-1", "10.0.1.10", WEB),
                "shop/api",
                endpoint("api", "node-2", "10.0.2.10", API));
    }

    private static Map<String, Node> nodes() {
        return Map.of(
                "node-1",
                Node.newBuilder().setName("node-1").addIps("192.168.0.11").build(),
                "node-2",
                Node.newBuilder().setName("node-2").addIps("192.168.0.12").build());
    }

    private static Map<Long, SubjectPolicyMap> policies() {
        return Map.of(
                WEB,
                SubjectPolicyMap.newBuilder()
                        .setSubject((int) WEB)
                        .setRevision(1)
                        .setPolicyRevision(3)
                        .addEntries(
                                allow(PolicyMapKey.anyProtocol(API, Direction.EGRESS), "NetworkPolicy/shop/web-egress"))
                        .addEntries(allow(PolicyMapKey.anyProtocol(0, Direction.INGRESS)))
                        .addEgressEnforcedBy("NetworkPolicy/shop/web-egress")
                        .build(),
                API,
                SubjectPolicyMap.newBuilder()
                        .setSubject((int) API)
                        .setRevision(1)
                        .setPolicyRevision(3)
                        .addEntries(allow(
                                PolicyMapKey.of(WEB, Direction.INGRESS, IpProtocol.TCP, 8080),
                                "NetworkPolicy/shop/api-allow-web"))
                        .addEntries(allow(PolicyMapKey.anyProtocol(0, Direction.EGRESS)))
                        .addIngressEnforcedBy("NetworkPolicy/shop/api-allow-web")
                        .build());
    }

    private static PolicyMapEntry allow(PolicyMapKey key, String... policies) {
        return PolicyMapEntry.newBuilder()
                .setKey(ByteString.copyFrom(key.encode()))
                .setValue(ByteString.copyFrom(PolicyMapValue.allow(key).encode()))
                .addAllPolicies(List.of(policies))
                .build();
    }

    private static Endpoint endpoint(String pod, String node, String ipv4, long identity) {
        return Endpoint.newBuilder()
                .setNamespace("shop")
                .setPod(pod)
                .setUid("uid-" + pod)
                .setNode(node)
                .setIpv4(ipv4)
                .setIdentity((int) identity)
                .putLabels("app", pod)
                .build();
    }
}
