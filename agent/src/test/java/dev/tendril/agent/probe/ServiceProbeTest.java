package dev.tendril.agent.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.tendril.agent.state.InMemoryMapBackend;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.LocalEndpointTable;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.lb.LbFlags;
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
import org.junit.jupiter.api.Test;

/**
 * Model probes to Service frontends: translated by the source node's model socket-LB over its LB maps, policy
 * decided for the backend chosen (Cilium's policy after translation), a frontend without backends refused.
 */
class ServiceProbeTest {

    static final long WEB = 2001;
    static final long API = 2004;

    static final class SimNode implements NodeView {
        final String name;
        final NodeImage image;
        final InMemoryMapBackend backend = new InMemoryMapBackend();
        final List<LocalEndpoint> locals;
        final List<Flow> flows = new ArrayList<>();
        final BpfMap affinity = new HashMapInMemory(LbMaps.AFFINITY_V4);
        Prober prober;

        SimNode(String name, NodeImage image, PeerClient peers) {
            this.name = name;
            this.image = image;
            this.locals = new LocalEndpointTable(name, LocalEndpointTable.Snapshot.EMPTY).resolve(image);
            NodeMapsReconciler.reconcile(backend, image, name, locals, true);
            this.prober = new Prober(this, peers, flows::add, Clock.systemUTC());
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
        public Optional<PolicyMap> policyMap(LocalEndpoint endpoint) {
            return backend.open(endpoint.policyMapName()).map(PolicyMap::new);
        }

        @Override
        public Optional<LoadBalancer> loadBalancer() {
            return Optional.of(new LoadBalancer(
                    new LoadBalancer.FamilyMaps(
                            backend.open(LbMaps.SERVICES_V4.name()).orElseThrow(),
                            backend.open(LbMaps.BACKENDS_V4.name()).orElseThrow(),
                            affinity),
                    null));
        }
    }

    static final class InProcessPeers implements PeerClient {
        final Map<String, SimNode> nodes = new HashMap<>();

        @Override
        public ProbeResponse forward(String node, ProbeRequest request) {
            return nodes.get(node).prober.probe(request, true).response();
        }

        @Override
        public ProbeResponse.IngressResponse ingress(String node, ProbeResponse.IngressRequest request) {
            return nodes.get(node).prober.ingress(request);
        }
    }

    final InProcessPeers peers = new InProcessPeers();
    final SimNode node1;

    ServiceProbeTest() {
        NodeImage image = new NodeImage(
                Map.of(),
                Map.of(
                        "shop/web",
                        endpoint("web", "node-1", "10.0.1.10", WEB),
                        "shop/api",
                        endpoint("api", "node-2", "10.0.2.10", API)),
                Map.of(
                        "node-1",
                        Node.newBuilder()
                                .setName("node-1")
                                .addIps("192.168.0.11")
                                .build(),
                        "node-2",
                        Node.newBuilder()
                                .setName("node-2")
                                .addIps("192.168.0.12")
                                .build()),
                Map.of(
                        WEB,
                        SubjectPolicyMap.newBuilder()
                                .setSubject((int) WEB)
                                .setRevision(1)
                                .addEntries(entry(PolicyMapKey.anyProtocol(API, Direction.EGRESS)))
                                .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.INGRESS)))
                                .build(),
                        API,
                        SubjectPolicyMap.newBuilder()
                                .setSubject((int) API)
                                .setRevision(1)
                                .addEntries(entry(PolicyMapKey.of(WEB, Direction.INGRESS, IpProtocol.TCP, 8080)))
                                .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS)))
                                .addIngressEnforcedBy("NetworkPolicy/shop/api-allow-web")
                                .build()),
                Map.of(
                        "shop/api",
                        service(
                                        "api",
                                        frontend("10.96.0.20", 80, 1, 0, 1),
                                        frontend("0.0.0.0", 30080, 2, LbFlags.NODEPORT, 1))
                                .addBackends(backend(1, 8080))
                                .build(),
                        "shop/api-admin",
                        service("api-admin", frontend("10.96.0.21", 80, 3, 0, 2))
                                .addBackends(backend(2, 9090))
                                .build(),
                        "shop/empty",
                        service("empty", frontend("10.96.0.22", 80, 4, 0)).build()));
        node1 = new SimNode("node-1", image, peers);
        SimNode node2 = new SimNode("node-2", image, peers);
        peers.nodes.put("node-1", node1);
        peers.nodes.put("node-2", node2);
    }

    @Test
    void aClusterIpIsTranslatedToTheBackendAndPolicyAppliesToTheBackend() {
        ProbeResponse r = node1.prober
                .probe(new ProbeRequest("shop/web", "10.96.0.20", 80, "TCP"), false)
                .response();

        assertThat(r.verdict()).isEqualTo("FORWARDED");
        assertThat(r.to().endpoint()).isEqualTo("shop/api");
        assertThat(r.to().ip()).isEqualTo("10.0.2.10");
        assertThat(r.ingress().matchType()).isEqualTo("L3-L4");
        assertThat(r.service().service()).isEqualTo("shop/api");
        assertThat(r.service().frontend()).isEqualTo("10.96.0.20:80/TCP");
        assertThat(r.service().backend()).isEqualTo("10.0.2.10:8080/TCP");
        assertThat(r.service().backendId()).isEqualTo(1);
        assertThat(r.service().slot()).isEqualTo(1);
    }

    @Test
    void aServiceWhoseBackendPortPolicyDoesNotAllowIsDroppedNamingThePolicy() {
        ProbeResponse r = node1.prober
                .probe(new ProbeRequest("shop/web", "10.96.0.21", 80, "TCP"), false)
                .response();

        assertThat(r.verdict()).isEqualTo("DROPPED");
        assertThat(r.service().service()).isEqualTo("shop/api-admin");
        assertThat(r.ingress().dropReasonCode()).isEqualTo(133);
        assertThat(r.ingress().policies()).containsExactly("NetworkPolicy/shop/api-allow-web");
    }

    @Test
    void aFrontendWithoutBackendsIsDroppedWith158() {
        ProbeResponse r = node1.prober
                .probe(new ProbeRequest("shop/web", "10.96.0.22", 80, "TCP"), false)
                .response();

        assertThat(r.verdict()).isEqualTo("DROPPED");
        assertThat(r.egress().dropReasonCode()).isEqualTo(158);
        assertThat(r.egress().dropReason()).isEqualTo("SERVICE_BACKEND_NOT_FOUND");
        assertThat(r.ingress()).isNull();
        assertThat(r.service().service()).isEqualTo("shop/empty");
        assertThat(r.service().backend()).isNull();
    }

    @Test
    void aNodePortAnswersOnANodeAddressThroughTheSurrogate() {
        ProbeResponse r = node1.prober
                .probe(new ProbeRequest("shop/web", "192.168.0.12", 30080, "TCP"), false)
                .response();

        assertThat(r.service().frontend()).isEqualTo("0.0.0.0:30080/TCP");
        assertThat(r.service().frontendIp()).isEqualTo("192.168.0.12");
        assertThat(r.to().endpoint()).isEqualTo("shop/api");
        assertThat(r.verdict()).isEqualTo("FORWARDED");
    }

    @Test
    void anAddressThatIsNoFrontendIsProbedAsBefore() {
        ProbeResponse r = node1.prober
                .probe(new ProbeRequest("shop/web", "10.0.2.10", 8080, "TCP"), false)
                .response();

        assertThat(r.service()).isNull();
        assertThat(r.verdict()).isEqualTo("FORWARDED");
    }

    private static ServiceMaps.Builder service(String name, LbFrontend... frontends) {
        ServiceMaps.Builder b = ServiceMaps.newBuilder()
                .setNamespace("shop")
                .setName(name)
                .setRevision(1)
                .setType("ClusterIP");
        for (LbFrontend f : frontends) {
            b.addFrontends(f);
        }
        return b;
    }

    private static LbFrontend frontend(String address, int port, int revNat, int flags, int... ids) {
        LbFrontend.Builder f = LbFrontend.newBuilder()
                .setAddress(address)
                .setPort(port)
                .setProtocol(IpProtocol.TCP)
                .setRevNatIndex(revNat)
                .setFlags(flags);
        for (int id : ids) {
            f.addBackendIds(id);
        }
        return f.build();
    }

    private static LbBackend backend(int id, int port) {
        return LbBackend.newBuilder()
                .setId(id)
                .setAddress("10.0.2.10")
                .setPort(port)
                .setProtocol(IpProtocol.TCP)
                .setNode("node-2")
                .setPod("shop/api")
                .build();
    }

    private static PolicyMapEntry entry(PolicyMapKey key) {
        return PolicyMapEntry.newBuilder()
                .setKey(ByteString.copyFrom(key.encode()))
                .setValue(ByteString.copyFrom(PolicyMapValue.allow(key).encode()))
                .addPolicies("NetworkPolicy/shop/api-allow-web")
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
