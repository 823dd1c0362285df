package dev.tendril.agent.probe;

import static dev.tendril.agent.probe.TwoNodeCluster.WEB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.UpdateFlag;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two nodes' probers, each over its own in-memory maps reconciled from the same image, wired to each other
 * by an in-process {@link PeerClient}: the forwarding to the source's node and the ingress half asked of the
 * destination's node, and which node records which flow.
 */
class TwoNodeProbeTest {

    final TwoNodeCluster cluster =
            new TwoNodeCluster(Map.of(), Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC));
    final TwoNodeCluster.InProcessPeers peers = cluster.peers;
    final TwoNodeCluster.SimNode node1 = cluster.node1;
    final TwoNodeCluster.SimNode node2 = cluster.node2;

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
    void aPeerClustersPodIsNamedWithItsClusterAndDecidedOnTheIdentityTheIpcacheGivesIt() throws Exception {
        long westDb = (2 << 16) + 300;
        // What the agent holds of a ClusterMesh peer west: its pod, and the ipcache entry the peer's bootstrap wrote.
        node1.remotePods.put(
                "10.2.1.5",
                new NodeView.RemotePod(
                        "west",
                        Endpoint.newBuilder()
                                .setNamespace("shop")
                                .setPod("db-0")
                                .setNode("w-1")
                                .setIpv4("10.2.1.5")
                                .setIdentity((int) westDb)
                                .putLabels("app", "db")
                                .build()));
        node1.backend
                .open(NodeMapsReconciler.IPCACHE_MAP)
                .orElseThrow()
                .update(
                        IpcacheKey.ofAddress("10.2.1.5").encode(),
                        new IpcacheValue(westDb, InetAddress.getByName("192.168.2.1"), 0, false, true).encode(),
                        UpdateFlag.ANY);

        Prober.Outcome out = node1.prober.probe(new ProbeRequest("shop/web", "10.2.1.5", 5432, "TCP"), false);

        // web's egress allows api only: the peer's pod is dropped at web's egress, on its remote identity.
        assertThat(out.response().verdict()).isEqualTo("DROPPED");
        assertThat(out.response().egress().node()).isEqualTo("node-1");
        assertThat(out.response().ingress())
                .as("the peer's node decides its own ingress")
                .isNull();
        assertThat(out.response().to().identity()).isEqualTo(westDb);
        assertThat(peers.calls).isEmpty();
        assertThat(node1.flows).isNotEmpty().allSatisfy(f -> {
            assertThat(f.getDestination().getNamespace()).isEqualTo("shop");
            assertThat(f.getDestination().getPodName()).isEqualTo("db-0");
            assertThat(f.getDestination().getIdentity()).isEqualTo((int) westDb);
            assertThat(f.getDestination().getLabelsList()).contains("k8s:app=db");
            assertThat(UpstreamFlow.get(UpstreamFlow.parse(f.toByteArray()), "destination.cluster_name"))
                    .isEqualTo("west");
            assertThat(UpstreamFlow.get(UpstreamFlow.parse(f.toByteArray()), "source.cluster_name"))
                    .isEqualTo("default");
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
}
