package dev.tendril.flows.domain;

import static dev.tendril.flows.domain.TestFlows.COREDNS;
import static dev.tendril.flows.domain.TestFlows.DATABASE;
import static dev.tendril.flows.domain.TestFlows.FRONTEND;
import static dev.tendril.flows.domain.TestFlows.WORLD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hubble's filter semantics, one named case per field, then AND, OR and blacklist. */
class FlowSelectionTest {

    // frontend -> database:5432 TCP SYN FORWARDED ingress on node-1
    static final StoredFlow TCP_FLOW =
            TestFlows.tcp(1, "node-1", FRONTEND, "10.0.1.5", DATABASE, "10.0.2.9", 5432, 1, TcpFlags.SYN);
    // coredns <- world:53 UDP egress on node-2
    static final StoredFlow UDP_FLOW = TestFlows.udp(2, "node-2", WORLD, "203.0.113.7", COREDNS, "10.0.3.3", 53);

    static Stream<Arguments> cases() {
        return Stream.of(
                c("source pod with namespace prefix", b -> b.sourcePod.add("demo/frontend"), true, false),
                // Hubble reads a bare name as default/name: frontend is in demo.
                c("source pod without namespace is in default", b -> b.sourcePod.add("frontend"), false, false),
                c("any namespace (observe -A sends /)", b -> b.sourcePod.add("/"), true, false),
                c("any namespace matches a namespaced pod", b -> b.destinationPod.add("/"), true, true),
                c("pod prefix in any namespace", b -> b.sourcePod.add("/front"), true, false),
                c("pod prefix in any namespace, other pod", b -> b.destinationPod.add("/core"), false, true),
                c("namespace only", b -> b.sourcePod.add("demo/"), true, false),
                c("source pod prefix of another pod", b -> b.sourcePod.add("demo/front"), true, false),
                c("namespace alone", b -> b.destinationPod.add("kube-system/"), false, true),
                c("destination pod in other namespace", b -> b.destinationPod.add("other/database"), false, false),
                c("source label k8s selector", b -> b.sourceLabel.add("k8s:app=frontend"), true, false),
                c("source label any source", b -> b.sourceLabel.add("app=frontend"), true, false),
                c("label set-based", b -> b.destinationLabel.add("app in (database, cache)"), true, false),
                c("label not equal", b -> b.destinationLabel.add("app!=database"), false, true),
                c("label exists and conjunction", b -> b.sourceLabel.add("app=frontend,tier"), true, false),
                c("reserved world label", b -> b.sourceLabel.add("reserved:world"), false, true),
                c("source ip exact", b -> b.sourceIp.add("10.0.1.5"), true, false),
                c("destination cidr", b -> b.destinationIp.add("10.0.0.0/16"), true, true),
                c("source cidr v4 excludes", b -> b.sourceIp.add("10.0.0.0/8"), true, false),
                c("source identity", b -> b.sourceIdentity.add(2), false, true),
                c("destination identity", b -> b.destinationIdentity.add(29433), true, false),
                c("verdict", b -> b.verdict.add(1), true, true),
                c("verdict dropped", b -> b.verdict.add(2), false, false),
                c("protocol tcp", b -> b.protocol.add("tcp"), true, false),
                c("protocol UDP uppercase", b -> b.protocol.add("UDP"), false, true),
                c("protocol icmp is icmpv4 or icmpv6", b -> b.protocol.add("icmp"), false, false),
                c("protocol l7 http matches flows with an HTTP record", b -> b.protocol.add("http"), false, false),
                c("protocol dns", b -> b.protocol.add("DNS"), false, false),
                c("protocol kafka, vrrp, igmp", b -> b.protocol.addAll(List.of("kafka", "vrrp", "igmp")), false, false),
                c("destination port", b -> b.destinationPort.add("53"), false, true),
                c("source port", b -> b.sourcePort.add("40000"), true, false),
                c("traffic direction egress", b -> b.trafficDirection.add(2), false, true),
                c("node name glob", b -> b.nodeName.add("node-*"), true, true),
                c("node name exact", b -> b.nodeName.add("node-2"), false, true),
                c("tcp flags SYN", b -> b.tcpFlags.add(TcpFlags.SYN), true, false),
                c("tcp flags SYN+ACK needs both", b -> b.tcpFlags.add(TcpFlags.SYN | TcpFlags.ACK), false, false),
                c("values of a field are ORed", b -> b.nodeName.addAll(List.of("node-1", "node-2")), true, true),
                c(
                        "fields of a filter are ANDed",
                        b -> {
                            b.sourcePod.add("demo/");
                            b.protocol.add("udp");
                        },
                        false,
                        false));
    }

    private static Arguments c(String name, Consumer<FilterSpec.Builder> filter, boolean tcp, boolean udp) {
        FilterSpec.Builder b = FilterSpec.builder();
        filter.accept(b);
        return Arguments.of(name, b.build(), tcp, udp);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesLikeHubble(String name, FilterSpec filter, boolean tcp, boolean udp) {
        FlowSelection selection = FlowSelection.compile(List.of(filter), List.of());
        assertThat(selection.matches(TCP_FLOW)).as(name + " (tcp flow)").isEqualTo(tcp);
        assertThat(selection.matches(UDP_FLOW)).as(name + " (udp flow)").isEqualTo(udp);
    }

    static StoredFlow withDetails(FlowDetails details, int protocol) {
        return new StoredFlow(
                3, -1, "node-1", FRONTEND, DATABASE, null, null, 0, 0, protocol, 2, 1, 0, 1, 0, details, new byte[0]);
    }

    @Test
    void eventTypeDropReasonUuidFqdnAndL7AsHubble() {
        FlowDetails drop = new FlowDetails(
                1, 0, 133, FlowDetails.L7_NONE, "7d3c-1", List.of("db.example.com."), List.of("api.cilium.io"));
        FlowDetails verdict = new FlowDetails(5, 0, 133, FlowDetails.L7_DNS, "7d3c-2", List.of(), List.of());
        FlowDetails trace = new FlowDetails(4, 5, 0, FlowDetails.L7_NONE, "", List.of(), List.of());
        StoredFlow dropFlow = withDetails(drop, 3);
        StoredFlow verdictFlow = withDetails(verdict, 4);
        StoredFlow traceFlow = withDetails(trace, 1);
        FlowSelection drops = FlowSelection.compile(
                List.of(spec(b -> b.eventType.add(new FilterSpec.EventType(1, false, 0)))), List.of());
        assertThat(drops.matches(dropFlow)).isTrue();
        assertThat(drops.matches(verdictFlow)).isFalse();
        assertThat(drops.matches(TCP_FLOW)).isFalse();
        FlowSelection fromEndpoint = FlowSelection.compile(
                List.of(spec(b -> b.eventType.add(new FilterSpec.EventType(4, true, 5)))), List.of());
        assertThat(fromEndpoint.matches(traceFlow)).isTrue();
        FlowSelection toProxy = FlowSelection.compile(
                List.of(spec(b -> b.eventType.add(new FilterSpec.EventType(4, true, 1)))), List.of());
        assertThat(toProxy.matches(traceFlow)).isFalse();
        FlowSelection policyDenied = FlowSelection.compile(List.of(spec(b -> b.dropReason.add(133))), List.of());
        assertThat(policyDenied.matches(dropFlow)).isTrue();
        assertThat(policyDenied.matches(traceFlow)).isFalse();
        FlowSelection uuid = FlowSelection.compile(List.of(spec(b -> b.uuid.add("7d3c-2"))), List.of());
        assertThat(uuid.matches(verdictFlow)).isTrue();
        assertThat(uuid.matches(dropFlow)).isFalse();
        FlowSelection fqdn = FlowSelection.compile(List.of(spec(b -> b.destinationFqdn.add("*.cilium.io"))), List.of());
        assertThat(fqdn.matches(dropFlow)).isTrue();
        assertThat(fqdn.matches(verdictFlow)).isFalse();
        FlowSelection sourceFqdn =
                FlowSelection.compile(List.of(spec(b -> b.sourceFqdn.add("DB.example.com"))), List.of());
        assertThat(sourceFqdn.matches(dropFlow))
                .as("case and the trailing dot do not matter")
                .isTrue();
        FlowSelection dns = FlowSelection.compile(List.of(spec(b -> b.protocol.add("dns"))), List.of());
        assertThat(dns.matches(verdictFlow)).isTrue();
        assertThat(dns.matches(dropFlow)).isFalse();
        FlowSelection icmp = FlowSelection.compile(List.of(spec(b -> b.protocol.add("icmp"))), List.of());
        assertThat(icmp.matches(dropFlow)).isTrue();
        assertThat(icmp.matches(verdictFlow)).isTrue();
        assertThat(icmp.matches(traceFlow)).isFalse();
    }

    @Test
    void workloadClusterAndNodeLabelsAsHubble() {
        Peer web = new Peer("demo", "web-1", 7, List.of(), "prod-eu", List.of(new Peer.Workload("Deployment", "web")));
        FlowDetails onZoneA = new FlowDetails(
                4,
                0,
                0,
                FlowDetails.L7_NONE,
                "",
                List.of(),
                List.of(),
                List.of(dev.tendril.k8s.labels.Label.parse("topology.kubernetes.io/zone=a")));
        StoredFlow flow = new StoredFlow(
                5, -1, "node-1", web, DATABASE, null, null, 1, 2, 1, 1, 1, 0, 1, 0, onZoneA, new byte[0]);
        record Case(String name, Consumer<FilterSpec.Builder> filter, boolean matches) {}
        for (Case c : List.of(
                new Case("workload by name", b -> b.sourceWorkload.add(new Peer.Workload("", "web")), true),
                new Case(
                        "workload by kind and name",
                        b -> b.sourceWorkload.add(new Peer.Workload("deployment", "web")),
                        true),
                new Case(
                        "workload of another kind",
                        b -> b.sourceWorkload.add(new Peer.Workload("StatefulSet", "web")),
                        false),
                new Case(
                        "destination has no workload",
                        b -> b.destinationWorkload.add(new Peer.Workload("", "web")),
                        false),
                new Case("cluster exact", b -> b.sourceCluster.add("prod-eu"), true),
                new Case("cluster pattern", b -> b.sourceCluster.add("prod-*"), true),
                new Case("destination cluster unknown", b -> b.destinationCluster.add("prod-*"), false),
                new Case("node label", b -> b.nodeLabels.add("topology.kubernetes.io/zone=a"), true),
                new Case(
                        "node label other value",
                        b -> b.nodeLabels.add("topology.kubernetes.io/zone in (b,c)"),
                        false))) {
            assertThat(FlowSelection.compile(List.of(spec(c.filter())), List.of())
                            .matches(flow))
                    .as(c.name())
                    .isEqualTo(c.matches());
        }
        assertThat(FlowSelection.compile(List.of(spec(b -> b.sourceCluster.add("prod-*"))), List.of())
                        .matches(TCP_FLOW))
                .as("a flow without cluster names matches no cluster filter")
                .isFalse();
    }

    @Test
    void aFieldTendrilCannotEvaluateIsRefusedNamingItNeverMatchAll() {
        assertThatThrownBy(() -> FlowSelection.compile(
                        List.of(FilterSpec.EMPTY, spec(b -> b.refused.add("http_method"))), List.of()))
                .isInstanceOfSatisfying(
                        InvalidFilterException.class, e -> assertThat(e.field()).isEqualTo("whitelist[1].http_method"));
        assertThatThrownBy(() -> FlowSelection.compile(List.of(spec(b -> b.sourcePod.add(""))), List.of()))
                .hasMessageStartingWith("whitelist[0].source_pod: ");
    }

    @Test
    void whitelistEntriesAreOredAndBlacklistSubtracts() {
        FilterSpec tcp = spec(b -> b.protocol.add("tcp"));
        FilterSpec udp = spec(b -> b.protocol.add("udp"));
        assertThat(FlowSelection.compile(List.of(tcp, udp), List.of()).matches(UDP_FLOW))
                .isTrue();
        FlowSelection minusNode2 =
                FlowSelection.compile(List.of(tcp, udp), List.of(spec(b -> b.nodeName.add("node-2"))));
        assertThat(minusNode2.matches(TCP_FLOW)).isTrue();
        assertThat(minusNode2.matches(UDP_FLOW)).isFalse();
        assertThat(FlowSelection.compile(List.of(), List.of(tcp)).matches(TCP_FLOW))
                .isFalse();
        assertThat(FlowSelection.ALL.matches(UDP_FLOW)).isTrue();
    }

    @Test
    void refusesBadFiltersNamingTheField() {
        assertThatThrownBy(() -> FlowSelection.compile(List.of(spec(b -> b.sourceIp.add("10.0.0.0/33"))), List.of()))
                .isInstanceOfSatisfying(
                        InvalidFilterException.class, e -> assertThat(e.field()).isEqualTo("whitelist[0].source_ip"));
        assertThatThrownBy(() -> FlowSelection.compile(List.of(), List.of(spec(b -> b.destinationIp.add("nope")))))
                .isInstanceOfSatisfying(
                        InvalidFilterException.class,
                        e -> assertThat(e.field()).isEqualTo("blacklist[0].destination_ip"));
        assertThatThrownBy(() -> FlowSelection.compile(List.of(spec(b -> b.protocol.add("gopher"))), List.of()))
                .hasMessageStartingWith("whitelist[0].protocol: ");
        assertThatThrownBy(() -> FlowSelection.compile(List.of(spec(b -> b.verdict.add(42))), List.of()))
                .hasMessageStartingWith("whitelist[0].verdict: ");
        assertThatThrownBy(() -> FlowSelection.compile(List.of(spec(b -> b.sourceLabel.add("app in (a"))), List.of()))
                .hasMessageStartingWith("whitelist[0].source_label: ");
        assertThatThrownBy(() -> FlowSelection.compile(List.of(spec(b -> b.destinationPort.add("70000"))), List.of()))
                .hasMessageStartingWith("whitelist[0].destination_port: ");
        assertThatThrownBy(() -> new FlowQuery(0, false, false, 10, 5, FlowSelection.ALL))
                .hasMessageStartingWith("since: ");
    }

    private static FilterSpec spec(Consumer<FilterSpec.Builder> filter) {
        FilterSpec.Builder b = FilterSpec.builder();
        filter.accept(b);
        return b.build();
    }
}
