package dev.tendril.flows.adapters.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.observer.GetFlowsResponse;
import dev.tendril.flows.adapters.FlowCodec;
import dev.tendril.flows.adapters.HubbleFlows;
import dev.tendril.flows.domain.StoredFlow;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A followed flow goes out as its stored bytes in a response frame: clients must decode exactly the
 * response GetFlows built before (flow, node name, time), whatever the node, time and flow size.
 */
class FlowsReplyTest {

    private final FlowCodec codec = new FlowCodec();

    @Test
    void aStoredFlowDecodesAsTheBuiltResponse() throws Exception {
        Flow flow = HubbleFlows.forwarded(
                        Instant.parse("2026-12-05T20:00:00.123456789Z"),
                        "node-a",
                        HubbleFlows.pod("demo", "frontend-7d9", 17901, "frontend"),
                        "10.0.1.5",
                        40000,
                        HubbleFlows.pod("demo", "database-0", 29433, "database"),
                        "10.0.2.9",
                        5432)
                .build();
        assertSameAsBuilt(stored(flow, "node-a"));
    }

    @Test
    void nodeFromTheKeyTimesAtAndBeforeTheEpochAndLargeFlows() throws Exception {
        Flow.Builder flow = HubbleFlows.forwarded(
                Instant.EPOCH,
                "",
                HubbleFlows.pod("démo", "front", 1, "x".repeat(300)),
                "10.0.1.5",
                1,
                HubbleFlows.world(),
                "1.1.1.1",
                443);
        assertSameAsBuilt(stored(flow.build(), "nœud-ключ"));
        assertSameAsBuilt(stored(
                flow.setTime(HubbleFlows.time(Instant.parse("1969-12-31T23:59:59.5Z")))
                        .build(),
                "k"));
        assertSameAsBuilt(
                stored(flow.setTime(HubbleFlows.time(Instant.ofEpochSecond(7))).build(), "k"));
        assertSameAsBuilt(stored(Flow.getDefaultInstance(), ""));
    }

    @Test
    void readsAsWellAsDrains() throws Exception {
        StoredFlow stored = stored(
                HubbleFlows.forwarded(
                                Instant.now(),
                                "n",
                                HubbleFlows.world(),
                                "1.1.1.1",
                                1,
                                HubbleFlows.world(),
                                "2.2.2.2",
                                2)
                        .build(),
                "n");
        InputStream stream = FlowsReply.MARSHALLER.stream(new FlowsReply.Frame(stored));
        int length = ((KnownLength) stream).available();
        byte[] read = stream.readAllBytes();
        assertThat(read).hasSize(length).isEqualTo(drained(stored));
        assertThat(GetFlowsResponse.parseFrom(read)).isEqualTo(built(stored));
    }

    private StoredFlow stored(Flow flow, String key) {
        return codec.decode(flow, flow.toByteArray(), 0, key);
    }

    private static void assertSameAsBuilt(StoredFlow stored) throws Exception {
        byte[] wire = drained(stored);
        assertThat(GetFlowsResponse.parseFrom(wire)).isEqualTo(built(stored));
        assertThat(wire).isEqualTo(built(stored).toByteArray());
    }

    private static byte[] drained(StoredFlow stored) throws Exception {
        InputStream stream = FlowsReply.MARSHALLER.stream(new FlowsReply.Frame(stored));
        int length = ((KnownLength) stream).available();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(((Drainable) stream).drainTo(out)).isEqualTo(length);
        assertThat(out.size()).isEqualTo(length);
        return out.toByteArray();
    }

    /** What GetFlows sent before: the flow parsed from its bytes and the response built around it. */
    private static GetFlowsResponse built(StoredFlow stored) {
        return GetFlowsResponse.newBuilder()
                .setFlow(FlowCodec.flow(stored))
                .setNodeName(stored.node)
                .setTime(ObserverGrpcService.timestamp(stored.timeNanos))
                .build();
    }
}
