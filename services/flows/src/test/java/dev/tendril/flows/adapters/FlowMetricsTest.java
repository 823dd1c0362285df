package dev.tendril.flows.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.ICMPv6;
import dev.tendril.api.hubble.flow.Layer4;
import dev.tendril.api.hubble.flow.TCP;
import org.junit.jupiter.api.Test;

/** The {@code protocol} label of {@code hubble_flows_processed_total}, as Hubble's FlowProtocol names it. */
class FlowMetricsTest {

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
