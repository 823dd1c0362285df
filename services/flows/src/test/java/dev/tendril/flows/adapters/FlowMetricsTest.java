package dev.tendril.flows.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import dev.tendril.api.hubble.flow.CiliumEventType;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.ICMPv6;
import dev.tendril.api.hubble.flow.IP;
import dev.tendril.api.hubble.flow.IPVersion;
import dev.tendril.api.hubble.flow.Layer4;
import dev.tendril.api.hubble.flow.TCP;
import dev.tendril.api.hubble.flow.TCPFlags;
import dev.tendril.api.hubble.flow.TraceObservationPoint;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.api.hubble.flow.UDP;
import dev.tendril.api.hubble.flow.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Hubble's flow metrics: each flow counted under its own labels, the labels as Hubble names them. */
class FlowMetricsTest {

    @Test
    void everyFlowCountsUnderItsOwnLabelsAsCombinationsRepeat() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FlowMetrics metrics = new FlowMetrics();
        metrics.registry = registry;
        Flow forwarded = Flow.newBuilder()
                .setVerdict(Verdict.FORWARDED)
                .setEventType(CiliumEventType.newBuilder().setType(4))
                .setTraceObservationPoint(TraceObservationPoint.TO_ENDPOINT)
                .setIP(IP.newBuilder().setIpVersion(IPVersion.IPv4))
                .setL4(Layer4.newBuilder()
                        .setTCP(TCP.newBuilder()
                                .setDestinationPort(5432)
                                .setFlags(TCPFlags.newBuilder().setSYN(true))))
                .build();
        Flow reply = forwarded.toBuilder()
                .setIsReply(BoolValue.of(true))
                .setTraceObservationPoint(TraceObservationPoint.FROM_ENDPOINT)
                .setIP(IP.newBuilder().setIpVersion(IPVersion.IPv6))
                .setL4(Layer4.newBuilder()
                        .setTCP(TCP.newBuilder()
                                .setDestinationPort(40000)
                                .setFlags(TCPFlags.newBuilder().setSYN(true).setACK(true))))
                .build();
        Flow dropped = Flow.newBuilder()
                .setVerdict(Verdict.DROPPED)
                .setEventType(CiliumEventType.newBuilder().setType(1))
                .setDropReasonDesc(DropReason.POLICY_DENIED)
                .setL4(Layer4.newBuilder().setUDP(UDP.newBuilder().setDestinationPort(53)))
                .build();
        Flow verdict = Flow.newBuilder()
                .setVerdict(Verdict.DROPPED)
                .setEventType(CiliumEventType.newBuilder().setType(5))
                .setTrafficDirection(TrafficDirection.INGRESS)
                .setL4(Layer4.newBuilder().setUDP(UDP.newBuilder().setDestinationPort(53)))
                .build();
        for (int i = 0; i < 3; i++) {
            metrics.record(forwarded);
            metrics.record(reply);
            metrics.record(dropped);
            metrics.record(dropped);
            metrics.record(verdict);
        }

        assertThat(count(
                        registry,
                        "hubble_flows_processed_total",
                        "protocol",
                        "TCP",
                        "subtype",
                        "to-endpoint",
                        "type",
                        "Trace",
                        "verdict",
                        "FORWARDED"))
                .isEqualTo(3);
        assertThat(count(
                        registry,
                        "hubble_flows_processed_total",
                        "protocol",
                        "TCP",
                        "subtype",
                        "from-endpoint",
                        "type",
                        "Trace",
                        "verdict",
                        "FORWARDED"))
                .isEqualTo(3);
        assertThat(count(
                        registry,
                        "hubble_flows_processed_total",
                        "protocol",
                        "UDP",
                        "subtype",
                        "",
                        "type",
                        "Drop",
                        "verdict",
                        "DROPPED"))
                .isEqualTo(6);
        assertThat(count(
                        registry,
                        "hubble_flows_processed_total",
                        "protocol",
                        "UDP",
                        "subtype",
                        "",
                        "type",
                        "PolicyVerdict",
                        "verdict",
                        "DROPPED"))
                .isEqualTo(3);
        assertThat(count(registry, "hubble_drop_total", "reason", "POLICY_DENIED", "protocol", "UDP"))
                .as("the drop record counts a dropped packet, its policy verdict does not")
                .isEqualTo(6);
        assertThat(count(
                        registry,
                        "hubble_policy_verdicts_total",
                        "direction",
                        "ingress",
                        "match",
                        "none",
                        "action",
                        "dropped"))
                .isEqualTo(3);
        assertThat(count(registry, "hubble_tcp_flags_total", "flag", "SYN", "family", "IPv4"))
                .isEqualTo(3);
        assertThat(count(registry, "hubble_tcp_flags_total", "flag", "SYN-ACK", "family", "IPv6"))
                .isEqualTo(3);
        assertThat(count(registry, "hubble_port_distribution_total", "protocol", "TCP", "port", "5432"))
                .as("requests only: not replies, not drops")
                .isEqualTo(3);
        assertThat(registry.find("hubble_port_distribution_total").counters()).hasSize(1);
    }

    @Test
    void aBatchCountedInATallyEndsOnTheSameCountersAsFlowByFlowOnceFlushed() {
        SimpleMeterRegistry byFlow = new SimpleMeterRegistry();
        FlowMetrics one = new FlowMetrics();
        one.registry = byFlow;
        SimpleMeterRegistry byBatch = new SimpleMeterRegistry();
        FlowMetrics batched = new FlowMetrics();
        batched.registry = byBatch;
        CounterTally tally = new CounterTally();
        // More port combinations than the tally keeps between batches, verdicts, drops, flags, replies.
        int flows = 3 * CounterTally.KEPT;
        for (int i = 0; i < flows; i++) {
            Flow flow = Flow.newBuilder()
                    .setVerdict(i % 5 == 0 ? Verdict.DROPPED : Verdict.FORWARDED)
                    .setEventType(CiliumEventType.newBuilder().setType(i % 7 == 0 ? 5 : i % 5 == 0 ? 1 : 4))
                    .setDropReasonDesc(i % 5 == 0 ? DropReason.POLICY_DENIED : DropReason.DROP_REASON_UNKNOWN)
                    .setTrafficDirection(i % 2 == 0 ? TrafficDirection.INGRESS : TrafficDirection.EGRESS)
                    .setIsReply(BoolValue.of(i % 3 == 0))
                    .setIP(IP.newBuilder().setIpVersion(i % 4 == 0 ? IPVersion.IPv6 : IPVersion.IPv4))
                    .setL4(Layer4.newBuilder()
                            .setTCP(TCP.newBuilder()
                                    .setDestinationPort(1 + i % (2 * CounterTally.KEPT))
                                    .setFlags(TCPFlags.newBuilder()
                                            .setSYN(i % 2 == 0)
                                            .setACK(i % 4 == 0)
                                            .setFIN(i % 3 == 0))))
                    .build();
            one.record(flow);
            batched.record(flow, tally);
            if (i % 1000 == 999) {
                tally.flush();
            }
        }
        assertThat(processed(byBatch))
                .as("the last batch is not on the counters before its flush")
                .isEqualTo(flows / 1000 * 1000);
        tally.flush();
        assertThat(processed(byBatch)).isEqualTo(flows);

        for (var meter : byFlow.getMeters()) {
            var counter = byBatch.find(meter.getId().getName())
                    .tags(meter.getId().getTags())
                    .counter();
            assertThat(counter).as("%s", meter.getId()).isNotNull();
            assertThat(counter.count()).as("%s", meter.getId()).isEqualTo(((Counter) meter).count());
        }
        assertThat(byBatch.getMeters()).hasSameSizeAs(byFlow.getMeters());
    }

    private static double processed(SimpleMeterRegistry registry) {
        return registry.find("hubble_flows_processed_total").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private static double count(SimpleMeterRegistry registry, String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        assertThat(counter).as("%s %s", name, String.join(",", tags)).isNotNull();
        return counter.count();
    }

    @Test
    void protocolIsTheL4NameOrUnknownL4AndUnknownL7ForL7Records() {
        Flow tcp = Flow.newBuilder()
                .setL4(Layer4.newBuilder().setTCP(TCP.getDefaultInstance()))
                .build();
        Flow icmp6 = Flow.newBuilder()
                .setL4(Layer4.newBuilder().setICMPv6(ICMPv6.getDefaultInstance()))
                .build();
        assertThat(FlowMetrics.flowProtocol(tcp, 4, "TCP")).isEqualTo("TCP");
        assertThat(FlowMetrics.flowProtocol(icmp6, 1, "ICMPv6")).isEqualTo("ICMPv6");
        assertThat(FlowMetrics.flowProtocol(Flow.getDefaultInstance(), 1, "Unknown"))
                .isEqualTo("Unknown L4");
        assertThat(FlowMetrics.flowProtocol(tcp, 129, "TCP")).isEqualTo("Unknown L7");
    }
}
