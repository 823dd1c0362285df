package dev.tendril.flows.adapters.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.flows.adapters.ServerStatuses;
import dev.tendril.flows.domain.FlowStore;
import dev.tendril.flows.domain.Peer;
import dev.tendril.flows.domain.StoredFlow;
import dev.tendril.net.IpAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/status}: the JSON form of ServerStatus, computed from the rings as for gRPC. */
class StatusResourceTest {

    private static final Peer POD = new Peer("demo", "frontend", 17901, List.of());

    private static void ring(FlowStore store, String node, int flows, long lastWriteMillis) {
        for (int i = 0; i < flows; i++) {
            store.add(
                    new StoredFlow(
                            // one flow a second up to the last write
                            (lastWriteMillis - (flows - 1 - i) * 1_000L) * 1_000_000L,
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
    }

    @Test
    void statusCountsFlowsCapacityAndConnectedNodesWithHubbleNames() throws Exception {
        long now = 1_000_000;
        FlowStore store = new FlowStore(7);
        ring(store, "node-1", 3, now - 1_000);
        ring(store, "node-2", 10, now - 1_000);
        ring(store, "node-3", 2, now - Duration.ofMinutes(6).toMillis());

        StatusResource.Status status = StatusResource.Status.of(
                ServerStatuses.of(store, 42, 7_000_000_000L, Duration.ofMinutes(5), now, "0.1.0"), 5, "east");
        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(status));

        assertThat(json.path("numFlows").asLong()).isEqualTo(3 + 7 + 2);
        assertThat(json.path("maxFlows").asLong()).isEqualTo(21);
        assertThat(json.path("seenFlows").asLong()).isEqualTo(42);
        assertThat(json.path("uptimeNs").asLong()).isEqualTo(7_000_000_000L);
        assertThat(json.path("numConnectedNodes").asInt()).isEqualTo(2);
        assertThat(json.path("numUnavailableNodes").asInt()).isEqualTo(1);
        assertThat(json.path("unavailableNodes").get(0).asText()).isEqualTo("node-3");
        assertThat(json.path("version").asText()).isEqualTo("0.1.0");
        assertThat(json.path("cluster").asText()).isEqualTo("east");
        assertThat(json.path("lostEvents").asLong()).isEqualTo(5);
        // node-1's 3 flows and node-2's 7 held ones are in the last minute; node-3's are older, so the
        // rings cover the whole minute.
        assertThat(json.path("flowsRate").asDouble()).isCloseTo(10 / 60.0, within(1e-9));
    }
}
