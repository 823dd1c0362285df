package dev.tendril.agent.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Struct;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.v1.Node;
import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMap;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a client generated from upstream's protos reads in the agent's flow records, beyond api/'s subset. */
class FlowContentTest {

    static final Instant TIME = Instant.parse("2026-12-05T10:00:00Z");

    @Test
    void everyRecordCarriesHubblesSummaryEmitterAndTheNodesLabels() throws Exception {
        Flow verdict = defaultDenyDrop();

        Flow finished = FlowRecords.finished(verdict, "0.1.0", List.of("kubernetes.io/hostname=node-1", "zone=a"));
        DynamicMessage upstream = UpstreamFlow.parse(finished.toByteArray());

        assertThat(UpstreamFlow.get(upstream, "Summary")).isEqualTo("TCP Flags: SYN");
        assertThat(UpstreamFlow.get(upstream, "emitter.name")).isEqualTo("Hubble");
        assertThat(UpstreamFlow.get(upstream, "emitter.version")).isEqualTo("0.1.0");
        assertThat(UpstreamFlow.get(upstream, "node_labels"))
                .isEqualTo(List.of("kubernetes.io/hostname=node-1", "zone=a"));
        assertThat(Flow.parseFrom(finished.toByteArray()).getVerdict()).isEqualTo(verdict.getVerdict());
        assertThat(FlowRecords.summary(udp().getL4())).isEqualTo("UDP");
    }

    @Test
    void aDefaultDenyNamesItsPoliciesInTendrilsExtensionNotInDeniedBy() throws Exception {
        Flow verdict = defaultDenyDrop();

        assertThat(verdict.getIngressDeniedByList()).isEmpty();
        Any extensions = (Any) anyOf(UpstreamFlow.parse(verdict.toByteArray()));
        Struct metadata = extensions.unpack(Struct.class);
        assertThat(metadata.getFieldsOrThrow(FlowRecords.DEFAULT_DENY_ENFORCED_BY)
                        .getListValue()
                        .getValuesList())
                .extracting(v -> v.getStringValue())
                .containsExactly("NetworkPolicy/shop/db-allow-web");

        Flow drop = FlowRecords.dropOf(verdict);
        assertThat(UpstreamFlow.parse(drop.toByteArray()).hasField(UpstreamFlow.FLOW.findFieldByName("extensions")))
                .as("the drop record carries no policy attribution, as Cilium's")
                .isFalse();
    }

    @Test
    void endpointsNameTheirClusterAndWorkloads() throws Exception {
        FlowRecords.Peer labelled = new FlowRecords.Peer(
                3,
                1001,
                "shop",
                "web-7d4b9c8f6d-x2x9z",
                List.of("k8s:app=web", "k8s:io.cilium.k8s.policy.cluster=east"),
                "default",
                FlowRecords.workloads("web-7d4b9c8f6d-x2x9z", Map.of("app", "web", "pod-template-hash", "7d4b9c8f6d")));
        DynamicMessage web = parseEndpoint(FlowRecords.endpoint(labelled));
        assertThat(UpstreamFlow.get(web, "cluster_name")).isEqualTo("east");
        assertThat(workloads(web)).containsExactly("Deployment/web");

        FlowRecords.Peer unlabelled =
                new FlowRecords.Peer(0, 1002, "shop", "db-0", List.of("k8s:app=db"), "west", List.of());
        assertThat(UpstreamFlow.get(parseEndpoint(FlowRecords.endpoint(unlabelled)), "cluster_name"))
                .isEqualTo("west");
        FlowRecords.Peer world = new FlowRecords.Peer(0, 2, null, null, List.of("reserved:world"));
        assertThat(UpstreamFlow.get(parseEndpoint(FlowRecords.endpoint(world)), "cluster_name"))
                .isEqualTo("");

        NodeImage image = new NodeImage(
                Map.of(),
                Map.of(),
                Map.of(
                        "node-2",
                        Node.newBuilder().setName("node-2").setCluster("west").build()));
        assertThat(FlowRecords.clusterOf(image, "node-2")).isEqualTo("west");
        assertThat(FlowRecords.clusterOf(image, "node-9")).isEqualTo("default");
    }

    @Test
    void workloadsComeFromWhatKubernetesControllersPutInAPodsNameAndLabels() {
        assertThat(FlowRecords.workloads("db-0", Map.of("statefulset.kubernetes.io/pod-name", "db-0")))
                .containsExactly(new FlowRecords.Workload("StatefulSet", "db"));
        assertThat(FlowRecords.workloads(
                        "agent-x7k2p", Map.of("controller-revision-hash", "5f7", "pod-template-generation", "1")))
                .containsExactly(new FlowRecords.Workload("DaemonSet", "agent"));
        assertThat(FlowRecords.workloads("backup-28190-abcde", Map.of("batch.kubernetes.io/job-name", "backup-28190")))
                .containsExactly(new FlowRecords.Workload("Job", "backup-28190"));
        assertThat(FlowRecords.workloads("standalone", Map.of("app", "x"))).isEmpty();
        assertThat(FlowRecords.workloads("odd", Map.of("pod-template-hash", "abc")))
                .as("a hash the name does not carry")
                .isEmpty();
    }

    private static Object anyOf(DynamicMessage flow) throws Exception {
        DynamicMessage any = (DynamicMessage) UpstreamFlow.get(flow, "extensions");
        return Any.parseFrom(any.toByteArray());
    }

    private static DynamicMessage parseEndpoint(dev.tendril.api.hubble.flow.Endpoint endpoint) throws Exception {
        Flow flow = Flow.newBuilder().setSource(endpoint).build();
        return (DynamicMessage) UpstreamFlow.get(UpstreamFlow.parse(flow.toByteArray()), "source");
    }

    @SuppressWarnings("unchecked")
    private static List<String> workloads(DynamicMessage endpoint) {
        return ((List<DynamicMessage>) UpstreamFlow.get(endpoint, "workloads"))
                .stream()
                        .map(w -> UpstreamFlow.get(w, "kind") + "/" + UpstreamFlow.get(w, "name"))
                        .toList();
    }

    /** An ingress TCP SYN to a subject with no allow entry for it: a default deny. */
    private static Flow defaultDenyDrop() throws Exception {
        Verdict v = Datapath.decide(
                PolicyMap.inMemory("cilium_policy_v2_1", 256), 1001, Direction.INGRESS, IpProtocol.TCP, 5432);
        return FlowRecords.policyVerdict(
                TIME,
                "node-1",
                v,
                List.of("NetworkPolicy/shop/db-allow-web"),
                3,
                InetAddress.getByName("10.0.1.10"),
                InetAddress.getByName("10.0.1.11"),
                IpProtocol.TCP,
                40000,
                5432,
                new FlowRecords.Peer(0, 1001, "shop", "web", List.of()),
                new FlowRecords.Peer(3, 1002, "shop", "db", List.of()));
    }

    private static Flow udp() throws Exception {
        Verdict v = Datapath.decide(
                PolicyMap.inMemory("cilium_policy_v2_1", 256), 1001, Direction.INGRESS, IpProtocol.UDP, 53);
        return FlowRecords.policyVerdict(
                TIME,
                "node-1",
                v,
                List.of(),
                3,
                InetAddress.getByName("10.0.1.10"),
                InetAddress.getByName("10.0.1.11"),
                IpProtocol.UDP,
                40000,
                53,
                new FlowRecords.Peer(0, 1001, "shop", "web", List.of()),
                new FlowRecords.Peer(3, 1002, "shop", "db", List.of()));
    }
}
