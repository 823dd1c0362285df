package dev.tendril.agent.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.tendril.agent.state.InMemoryMapBackend;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.LocalEndpointTable;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Two nodes' probers, each over its own in-memory maps reconciled from the same image, wired to each other
 * by an in-process {@link PeerClient}: the forwarding to the source's node and the ingress half asked of the
 * destination's node, and which node records which flow.
 */
class TwoNodeProbeTest {

    static final long WEB = 2001;
    static final long API = 2004;

    /** One simulated node: its maps, its prober, the flows it emitted. */
    static final class SimNode implements NodeView {
        final String name;
        final NodeImage image;
        final InMemoryMapBackend backend = new InMemoryMapBackend();
        final List<LocalEndpoint> locals;
        final List<Flow> flows = new ArrayList<>();
        Prober prober;

        SimNode(String name, NodeImage image, PeerClient peers) {
            this.name = name;
            this.image = image;
            this.locals = new LocalEndpointTable(name, LocalEndpointTable.Snapshot.EMPTY).resolve(image);
            NodeMapsReconciler.reconcile(backend, image, name, locals, true);
            this.prober = new Prober(
                    this, peers, flows::add, Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC));
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

    TwoNodeProbeTest() {
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
                                .setPolicyRevision(3)
                                .addEntries(entry(
                                        PolicyMapKey.anyProtocol(API, Direction.EGRESS),
                                        "NetworkPolicy/shop/web-egress"))
                                .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.INGRESS)))
                                .addEgressEnforcedBy("NetworkPolicy/shop/web-egress")
                                .build(),
                        API,
                        SubjectPolicyMap.newBuilder()
                                .setSubject((int) API)
                                .setRevision(1)
                                .setPolicyRevision(3)
                                .addEntries(entry(
                                        PolicyMapKey.of(WEB, Direction.INGRESS, IpProtocol.TCP, 8080),
                                        "NetworkPolicy/shop/api-allow-web"))
                                .addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS)))
                                .addIngressEnforcedBy("NetworkPolicy/shop/api-allow-web")
                                .build()));
        node1 = new SimNode("node-1", image, peers);
        node2 = new SimNode("node-2", image, peers);
        peers.nodes.put("node-1", node1);
        peers.nodes.put("node-2", node2);
    }

    @Test
    void egressIsDecidedOnTheSourcesNodeAndIngressOnTheDestinationsEachRecordingItsFlow() {
        Prober.Outcome out = node1.prober.probe(new ProbeRequest("shop/web", "shop/api", 8080, null), false);

        assertThat(out.forwarded()).isFalse();
        assertThat(out.response().verdict()).isEqualTo("FORWARDED");
        assertThat(out.response().egress().node()).isEqualTo("node-1");
        assertThat(out.response().egress().matchType()).isEqualTo("L3-Only");
        assertThat(out.response().ingress().node()).isEqualTo("node-2");
        assertThat(out.response().ingress().matchType()).isEqualTo("L3-L4");
        assertThat(out.response().ingress().policies()).containsExactly("NetworkPolicy/shop/api-allow-web");
        assertThat(out.response().to().node()).isEqualTo("node-2");
        assertThat(peers.calls).containsExactly("ingress node-2");

        assertThat(node1.flows).singleElement().satisfies(f -> {
            assertThat(f.getNodeName()).isEqualTo("node-1");
            assertThat(f.getTrafficDirection()).isEqualTo(TrafficDirection.EGRESS);
            assertThat(f.getSource().getID()).isPositive();
            assertThat(f.getDestination().getID()).isZero(); // api is not an endpoint of node-1
            assertThat(f.getEgressAllowedBy(0).getName()).isEqualTo("web-egress");
        });
        assertThat(node2.flows).singleElement().satisfies(f -> {
            assertThat(f.getNodeName()).isEqualTo("node-2");
            assertThat(f.getTrafficDirection()).isEqualTo(TrafficDirection.INGRESS);
            assertThat(f.getSource().getID()).isZero();
            assertThat(f.getSource().getIdentity()).isEqualTo((int) WEB);
            assertThat(f.getDestination().getID()).isPositive();
            assertThat(f.getIngressAllowedBy(0).getName()).isEqualTo("api-allow-web");
            assertThat(f.getIngressAllowedBy(0).getRevision()).isEqualTo(3);
            assertThat(f.getL4().getTCP().getSourcePort())
                    .isEqualTo(node1.flows.get(0).getL4().getTCP().getSourcePort());
        });
    }

    @Test
    void aProbeAskedOfTheWrongNodeIsForwardedToTheSourcesNode() {
        Prober.Outcome out = node2.prober.probe(new ProbeRequest("shop/web", "10.0.2.10", 9090, "TCP"), false);

        assertThat(out.forwarded()).isTrue();
        assertThat(peers.calls).containsExactly("forward node-1", "ingress node-2");
        assertThat(out.response().verdict()).isEqualTo("DROPPED");
        assertThat(out.response().egress().node()).isEqualTo("node-1");
        assertThat(out.response().ingress().node()).isEqualTo("node-2");
        assertThat(out.response().ingress().dropReasonCode()).isEqualTo(133);
        assertThat(out.response().ingress().policies()).containsExactly("NetworkPolicy/shop/api-allow-web");
        assertThat(node1.flows).hasSize(1);
        assertThat(node2.flows).hasSize(2);
        assertThat(node2.flows.get(0)).satisfies(f -> {
            assertThat(f.getEventType().getType()).isEqualTo(FlowRecords.MESSAGE_TYPE_POLICY_VERDICT);
            assertThat(f.getDropReasonDesc()).isEqualTo(DropReason.POLICY_DENIED);
            assertThat(f.getIngressDeniedByList())
                    .as("the allow policy did not deny it")
                    .isEmpty();
        });
        assertThat(node2.flows.get(1)).satisfies(f -> {
            assertThat(f.getEventType().getType()).isEqualTo(FlowRecords.MESSAGE_TYPE_DROP);
            assertThat(f.getEventType().getSubType()).isEqualTo(133);
            assertThat(f.getDropReasonDesc()).isEqualTo(DropReason.POLICY_DENIED);
        });
    }

    @Test
    void aForwardedProbeIsNeverForwardedAgain() {
        assertThatThrownBy(() -> node2.prober.probe(new ProbeRequest("shop/web", "shop/api", 8080, null), true))
                .isInstanceOfSatisfying(ProbeException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.field()).isEqualTo("from");
                });
        assertThat(peers.calls).isEmpty();
    }

    @Test
    void anAddressOutsideTheClusterProbingAPodGetsOnlyTheIngressHalf() {
        Prober.Outcome out = node1.prober.probe(new ProbeRequest("203.0.113.7", "shop/api", 8080, null), false);

        assertThat(out.response().egress()).isNull();
        assertThat(out.response().from().identity()).isEqualTo(Datapath.IDENTITY_WORLD);
        assertThat(out.response().ingress().remoteIdentity()).isEqualTo(Datapath.IDENTITY_WORLD);
        assertThat(out.response().verdict()).isEqualTo("DROPPED");
        assertThat(node1.flows).isEmpty();
        assertThat(node2.flows)
                .as("the policy verdict and the drop record")
                .hasSize(2)
                .allSatisfy(f -> assertThat(f.getSource().getLabelsList()).containsExactly("reserved:world"));
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

    private static PolicyMapEntry entry(PolicyMapKey key, String... policies) {
        return PolicyMapEntry.newBuilder()
                .setKey(ByteString.copyFrom(key.encode()))
                .setValue(ByteString.copyFrom(PolicyMapValue.allow(key).encode()))
                .addAllPolicies(List.of(policies))
                .build();
    }
}
