package dev.tendril.flows.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.flows.domain.StoredFlow;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The ingest finds known peers by their endpoint's bytes: equal endpoints share one peer, and every peer
 * still says what its endpoint says, also when protobuf merges a field sent twice.
 */
class FlowCodecTest {

    private final FlowCodec codec = new FlowCodec();

    private static Flow flow(Endpoint src, Endpoint dst) {
        return HubbleFlows.forwarded(Instant.parse("2026-12-05T20:00:00Z"), "n", src, "10.0.0.1", 1, dst, "10.0.0.2", 2)
                .build();
    }

    private StoredFlow decode(byte[] bytes) throws Exception {
        return codec.decode(bytes, 0, "n");
    }

    @Test
    void equalEndpointsShareOnePeerAndDifferentOnesDoNot() throws Exception {
        Endpoint a = HubbleFlows.pod("demo", "a", 1, "a");
        Endpoint b = HubbleFlows.pod("demo", "b", 2, "b");
        StoredFlow first = decode(flow(a, b).toByteArray());
        StoredFlow second = decode(flow(b, a).toByteArray());
        assertThat(second.destination).isSameAs(first.source);
        assertThat(second.source).isSameAs(first.destination);
        assertThat(first.source.pod()).isEqualTo("a");
        assertThat(first.destination.pod()).isEqualTo("b");
        assertThat(first.destination.identity()).isEqualTo(2);
    }

    @Test
    void aSourceSentTwiceIsTheMergedEndpoint() throws Exception {
        Endpoint a = HubbleFlows.pod("demo", "a", 1, "a");
        Endpoint b = HubbleFlows.pod("demo", "b", 2, "b");
        byte[] plain = flow(a, b).toByteArray();
        decode(plain);
        // A second source (field 8) carrying only a pod name: protobuf merges it into the first.
        ByteArrayOutputStream twice = new ByteArrayOutputStream();
        twice.writeBytes(plain);
        byte[] extra = Endpoint.newBuilder().setPodName("c").build().toByteArray();
        twice.write(8 << 3 | 2);
        twice.write(extra.length);
        twice.writeBytes(extra);
        StoredFlow merged = decode(twice.toByteArray());
        assertThat(merged.source.pod()).isEqualTo("c");
        assertThat(merged.source.namespace()).isEqualTo("demo");
        assertThat(merged.source.identity()).isEqualTo(1);
    }

    @Test
    void aFlowWithoutEndpointsHasEmptyPeers() throws Exception {
        StoredFlow flow = decode(Flow.newBuilder().setNodeName("n").build().toByteArray());
        assertThat(flow.source.pod()).isEmpty();
        assertThat(flow.destination.namespace()).isEmpty();
    }
}
