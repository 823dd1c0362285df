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
                c("source pod without namespace", b -> b.sourcePod.add("frontend"), true, false),
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
