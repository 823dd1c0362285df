package dev.tendril.flows.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.flows.domain.StoredFlow;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ingest parses a flow without its endpoints and finds its peers by their bytes: what it stores must be what
 * parsing the whole flow gave, and a record the whole parse refused must still be refused (counted as a bad record,
 * never stored, so no query meets a flow that does not parse).
 */
class FlowBytesTest {

    private static final Instant AT = Instant.parse("2026-12-07T06:00:00Z");
    private static final Endpoint WEB = HubbleFlows.pod("demo", "web-1", 17901, "web");
    private static final Endpoint DB = HubbleFlows.pod("demo", "db-1", 29433, "db");

    /** Flows as agents send them, and as they may arrive (fields in another order, sent twice, unknown ones). */
    private static Map<String, byte[]> flows() {
        Flow forwarded = HubbleFlows.forwarded(AT, "node-1", WEB, "10.0.0.1", 43210, DB, "10.0.0.2", 5432)
                .build();
        Flow denied = HubbleFlows.denied(AT, "node-1", WEB, "10.0.0.1", 43210, DB, "10.0.0.2", 5432, "demo", "deny")
                .setUuid("5f0c0b8e-2b6c-4a57-9a53-0a4c8f1b2d3e")
                .addSourceNames("web.demo.svc")
                .build();
        // What Hubble's parser adds and api/ does not declare: node_labels (37), emitter (41), Summary (100000).
        Flow upstream = forwarded.toBuilder()
                .setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(
                                37,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(ByteString.copyFromUtf8("kubernetes.io/hostname=node-1"))
                                        .build())
                        .addField(
                                100000,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(ByteString.copyFromUtf8("TCP Flags: SYN"))
                                        .build())
                        .build())
                .build();
        Flow noEndpoints =
                forwarded.toBuilder().clearSource().clearDestination().build();
        Flow sourceOnly = forwarded.toBuilder().clearDestination().build();
        return Map.of(
                "forwarded",
                forwarded.toByteArray(),
                "denied, with uuid and names",
                denied.toByteArray(),
                "upstream's extra fields",
                upstream.toByteArray(),
                "no endpoints",
                noEndpoints.toByteArray(),
                "source only",
                sourceOnly.toByteArray(),
                "destination before source",
                concat(field(9, DB.toByteArray()), noEndpoints.toByteArray(), field(8, WEB.toByteArray())),
                "source sent twice (merged)",
                concat(
                        forwarded.toByteArray(),
                        field(
                                8,
                                Endpoint.newBuilder()
                                        .setPodName("web-2")
                                        .build()
                                        .toByteArray())),
                "endpoints first, node name twice (the last counts)",
                concat(
                        field(8, WEB.toByteArray()),
                        field(9, DB.toByteArray()),
                        noEndpoints.toByteArray(),
                        field(11, "node-2".getBytes())));
    }

    @Test
    void parsesEveryFieldButTheEndpointsAndSaysWhereTheyAre() throws Exception {
        for (var entry : flows().entrySet()) {
            byte[] bytes = entry.getValue();
            Flow whole = Flow.parseFrom(bytes);
            FlowBytes.Parsed parsed = FlowBytes.parse(bytes);
            if (parsed.withEndpoints()) {
                assertThat(parsed.flow()).as(entry.getKey()).isEqualTo(whole);
            } else {
                assertThat(parsed.flow())
                        .as(entry.getKey())
                        .isEqualTo(whole.toBuilder()
                                .clearSource()
                                .clearDestination()
                                .build());
            }
            assertThat(endpoint(bytes, parsed.source(), parsed.flow().getSource()))
                    .as(entry.getKey())
                    .isEqualTo(whole.getSource());
            assertThat(endpoint(bytes, parsed.destination(), parsed.flow().getDestination()))
                    .as(entry.getKey())
                    .isEqualTo(whole.getDestination());
        }
    }

    @Test
    void storesWhatParsingTheWholeFlowStored() throws Exception {
        FlowCodec lean = new FlowCodec();
        FlowCodec whole = new FlowCodec();
        for (int round = 0; round < 2; round++) {
            // The second round finds every peer by its bytes.
            for (var entry : flows().entrySet()) {
                byte[] bytes = entry.getValue();
                StoredFlow expected = whole.decode(Flow.parseFrom(bytes), bytes, 7, "key-node");
                StoredFlow actual = lean.decode(bytes, 7, "key-node");
                assertThat(fields(actual)).as(entry.getKey()).isEqualTo(fields(expected));
            }
        }
    }

    @Test
    void refusesWhatTheWholeParseRefused() throws Exception {
        byte[] forwarded = flows().get("forwarded");
        // Cut inside the source endpoint: its length says more bytes than there are.
        byte[] truncated =
                Arrays.copyOf(forwarded, (int) (FlowBytes.parse(forwarded).source() >>> 32) + 1);
        assertThatThrownBy(() -> Flow.parseFrom(truncated)).isInstanceOf(InvalidProtocolBufferException.class);
        assertThatThrownBy(() -> FlowBytes.parse(truncated)).isInstanceOf(InvalidProtocolBufferException.class);
        byte[] badNode = concat(forwarded, field(11, new byte[] {(byte) 0xFF}));
        assertThatThrownBy(() -> Flow.parseFrom(badNode)).isInstanceOf(InvalidProtocolBufferException.class);
        assertThatThrownBy(() -> FlowBytes.parse(badNode)).isInstanceOf(InvalidProtocolBufferException.class);

        // An endpoint whose pod name is not UTF-8: the whole parse refuses the flow, and so does the codec.
        Flow noSource = Flow.parseFrom(forwarded).toBuilder().clearSource().build();
        byte[] badSource = concat(noSource.toByteArray(), field(8, new byte[] {0x2A, 0x01, (byte) 0xFF}));
        assertThatThrownBy(() -> Flow.parseFrom(badSource)).isInstanceOf(InvalidProtocolBufferException.class);
        FlowCodec codec = new FlowCodec();
        assertThatThrownBy(() -> codec.decode(badSource, 0, "n")).isInstanceOf(InvalidProtocolBufferException.class);
        assertThat(codec.internedPeers()).isZero();
    }

    private static Endpoint endpoint(byte[] bytes, long range, Endpoint parsed) throws Exception {
        if (range < 0) {
            return parsed;
        }
        return Endpoint.parser().parseFrom(bytes, (int) (range >>> 32), (int) range);
    }

    private static String fields(StoredFlow f) {
        return String.join(
                "|",
                Long.toString(f.timeNanos),
                Long.toString(f.offset),
                f.node,
                String.valueOf(f.source),
                String.valueOf(f.destination),
                String.valueOf(f.sourceIp),
                String.valueOf(f.destinationIp),
                f.sourcePort + "/" + f.destinationPort + "/" + f.protocol,
                f.verdict + "/" + f.direction + "/" + f.reply + "/" + f.ipVersion + "/" + f.tcpFlags,
                String.valueOf(f.details),
                Arrays.toString(f.payload()));
    }

    private static byte[] field(int number, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int tag = number << 3 | 2;
        while (tag > 0x7F) {
            out.write(tag & 0x7F | 0x80);
            tag >>>= 7;
        }
        out.write(tag);
        out.write(value.length);
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
