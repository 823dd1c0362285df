package dev.tendril.flows.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.hubble.flow.CiliumEventType;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Hubble's counters over the records the agents send for one packet. */
class DropCountMetricsTest {

    @Test
    void aPacketDroppedByPolicyCountsOnceAsADropAndOnceAsAPolicyVerdict() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FlowMetrics metrics = new FlowMetrics();
        metrics.registry = registry;
        Flow.Builder packet = HubbleFlows.denied(
                Instant.parse("2026-12-05T10:00:00Z"),
                "node-1",
                Endpoint.newBuilder().setIdentity(1001).build(),
                "10.0.0.1",
                40000,
                Endpoint.newBuilder().setIdentity(1002).build(),
                "10.0.0.2",
                80,
                "shop",
                "allow-web");
        Flow verdict = packet.clone()
                .setEventType(CiliumEventType.newBuilder().setType(5))
                .build();
        Flow drop = packet.clone()
                .setEventType(CiliumEventType.newBuilder().setType(1).setSubType(133))
                .build();

        metrics.record(verdict);
        metrics.record(drop);

        assertThat(registry.get("hubble_drop_total")
                        .tag("reason", DropReason.POLICY_DENIED.name())
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get("hubble_policy_verdicts_total")
                        .tag("action", Verdict.DROPPED.name().toLowerCase())
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get("hubble_flows_processed_total")
                        .tag("type", "PolicyVerdict")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get("hubble_flows_processed_total")
                        .tag("type", "Drop")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }
}
