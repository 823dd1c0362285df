package dev.tendril.flows.adapters.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.flows.adapters.ServerStatuses;
import dev.tendril.flows.domain.FlowRing;
import dev.tendril.flows.domain.Peer;
import dev.tendril.flows.domain.StoredFlow;
import dev.tendril.net.IpAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/status}: the JSON form of ServerStatus, computed from the rings as for gRPC. */
class StatusResourceTest {

    private static final Peer POD = new Peer("demo", "frontend", 17901, List.of());

    private static FlowRing ring(String node, int flows, long lastWriteMillis) {
        FlowRing ring = new FlowRing(node, 7);
        for (int i = 0; i < flows; i++) {
            ring.write(
                    new StoredFlow(
                            i,
                            -1,
                            node,
                            POD,
                            POD,
                            IpAddress.parseOrNull("10.0.0.1"),
                            IpAddress.parseOrNull("10.0.0.2"),
                            40000,
                            80,
                            1,
                            1,
                            1,
                            1,
                            1,
                            0,
                            new byte[0]),
                    lastWriteMillis);
        }
        return ring;
    }

    @Test
    void statusCountsFlowsCapacityAndConnectedNodesWithHubbleNames() throws Exception {
        long now = 1_000_000;
        List<FlowRing> rings = List.of(
                ring("node-1", 3, now - 1_000),
                ring("node-2", 10, now - 1_000),
                ring("node-3", 2, now - Duration.ofMinutes(6).toMillis()));

        StatusResource.Status status =
                StatusResource.Status.of(ServerStatuses.of(rings, 42, 7_000_000_000L, Duration.ofMinutes(5), now));
        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(status));

        assertThat(json.path("numFlows").asLong()).isEqualTo(3 + 7 + 2);
        assertThat(json.path("maxFlows").asLong()).isEqualTo(21);
        assertThat(json.path("seenFlows").asLong()).isEqualTo(42);
        assertThat(json.path("uptimeNs").asLong()).isEqualTo(7_000_000_000L);
        assertThat(json.path("numConnectedNodes").asInt()).isEqualTo(2);
        assertThat(json.path("numUnavailableNodes").asInt()).isEqualTo(1);
        assertThat(json.path("unavailableNodes").get(0).asText()).isEqualTo("node-3");
        assertThat(json.path("version").asText()).isEqualTo("tendril");
    }
}
