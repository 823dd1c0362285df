package dev.tendril.agent.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DynamicMessage;
import dev.tendril.agent.datapath.kernel.SockEvent;
import dev.tendril.agent.datapath.kernel.VerdictEvent;
import dev.tendril.agent.probe.FlowRecords;
import dev.tendril.agent.probe.UpstreamFlow;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.FlowType;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.ServiceMaps;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A socket-LB event as the agent's flow: the Service from its image, the socket's pod from its endpoints. */
class KernelEventFlowsTest {

    @Test
    void aTranslationNamesItsServiceTheClientPodAndTheBackendPod() throws Exception {
        Map<String, Endpoint> endpoints = Map.of(
                "shop/web",
                Endpoint.newBuilder()
                        .setNamespace("shop")
                        .setPod("web")
                        .setNode("node-1")
                        .setIpv4("10.0.1.5")
                        .setIdentity(1001)
                        .build(),
                "shop/db-0",
                Endpoint.newBuilder()
                        .setNamespace("shop")
                        .setPod("db-0")
                        .setNode("node-2")
                        .setIpv4("10.0.2.7")
                        .setIdentity(1002)
                        .build());
        ServiceMaps db = ServiceMaps.newBuilder()
                .setNamespace("shop")
                .setName("db")
                .addFrontends(LbFrontend.newBuilder()
                        .setAddress("10.96.0.20")
                        .setPort(5432)
                        .setProtocol(6)
                        .setRevNatIndex(9))
                .build();
        NodeImage image = new NodeImage(Map.of(), endpoints, Map.of(), Map.of(), Map.of("shop/db", db));
        List<LocalEndpoint> locals = List.of(new LocalEndpoint("shop", "web", "uid-web", 4, "10.0.1.5", "", 1001));
        List<Flow> out = new ArrayList<>();
        KernelEventFlows flows = new KernelEventFlows("node-1", () -> image, () -> locals, out::add, Clock.systemUTC());
        try {
            flows.accept(VerdictEvent.ofSock(new SockEvent(
                    System.nanoTime(),
                    SockEvent.VERDICT_TRANSLATED,
                    0,
                    2,
                    SockEvent.HOOK_CONNECT,
                    6,
                    InetAddress.getByName("10.96.0.20"),
                    5432,
                    InetAddress.getByName("10.0.2.7"),
                    5432,
                    9,
                    4,
                    3,
                    77,
                    88)));
        } finally {
            flows.close();
        }
        Flow f = out.getFirst();
        assertThat(f.getType()).isEqualTo(FlowType.SOCK);
        assertThat(f.getDestinationService().getNamespace()).isEqualTo("shop");
        assertThat(f.getDestinationService().getName()).isEqualTo("db");
        assertThat(f.getSource().getPodName()).isEqualTo("web");
        assertThat(f.getSource().getID()).isEqualTo(4);
        assertThat(f.getDestination().getPodName()).isEqualTo("db-0");
    }

    @Test
    void aClusterMeshPeersPodIsNamedByItsPodAndRemoteIdentityWithItsCluster() throws Exception {
        long westWeb = (2L << 16) + 300;
        Identity remote = Identity.newBuilder()
                .setId((int) westWeb)
                .addLabels(Label.newBuilder().setSource("k8s").setKey("app").setValue("web"))
                .addLabels(Label.newBuilder()
                        .setSource("k8s")
                        .setKey("io.cilium.k8s.policy.cluster")
                        .setValue("west"))
                .build();
        Endpoint westPod = Endpoint.newBuilder()
                .setNamespace("shop")
                .setPod("web-7d9f-abcde")
                .setNode("node-1")
                .setIpv4("10.2.1.5")
                .setIdentity((int) westWeb)
                .putLabels("app", "web")
                .build();
        MeshNames west = new MeshNames() {
            @Override
            public Identity remoteIdentity(long id) {
                return id == westWeb ? remote : null;
            }

            @Override
            public Optional<RemoteEndpoint> remoteEndpoint(InetAddress address) {
                return address.getHostAddress().equals("10.2.1.5")
                        ? Optional.of(new RemoteEndpoint("west", westPod))
                        : Optional.empty();
            }
        };
        KernelEventFlows flows =
                new KernelEventFlows("node-1", () -> NodeImage.EMPTY, List::of, west, f -> {}, Clock.systemUTC());
        try {
            // A socket-LB event names a backend by address only (identity 0): the peer's pod gives it.
            FlowRecords.Peer peer = flows.peer(InetAddress.getByName("10.2.1.5"), 0, 0);
            assertThat(peer.namespace()).isEqualTo("shop");
            assertThat(peer.pod()).isEqualTo("web-7d9f-abcde");
            assertThat(peer.identity()).isEqualTo(westWeb);
            assertThat(peer.labels()).contains("k8s:app=web");
            // An address of the peer's that is no pod of it: named by its identity's labels only.
            FlowRecords.Peer unnamed = flows.peer(InetAddress.getByName("10.2.1.6"), westWeb, 0);
            assertThat(unnamed.pod()).isNull();
            assertThat(unnamed.labels()).contains("k8s:app=web");

            DynamicMessage endpoint = (DynamicMessage) UpstreamFlow.get(
                    UpstreamFlow.parse(Flow.newBuilder()
                            .setSource(FlowRecords.endpoint(peer))
                            .build()
                            .toByteArray()),
                    "source");
            assertThat(UpstreamFlow.get(endpoint, "cluster_name")).isEqualTo("west");
            assertThat(UpstreamFlow.get(endpoint, "pod_name")).isEqualTo("web-7d9f-abcde");
            assertThat(UpstreamFlow.get(endpoint, "namespace")).isEqualTo("shop");
            assertThat(peer.labels()).contains("k8s:app=web");
        } finally {
            flows.close();
        }
    }
}
