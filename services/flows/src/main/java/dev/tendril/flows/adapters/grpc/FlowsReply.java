package dev.tendril.flows.adapters.grpc;

import dev.tendril.api.hubble.observer.GetFlowsResponse;
import dev.tendril.flows.domain.StoredFlow;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One {@code GetFlowsResponse} as GetFlows writes it. A followed flow is written as its stored bytes inside
 * a response frame ({@link Stored}): the flow the agent serialized is neither parsed nor serialized again
 * per follower, which was most of a follower's CPU; a response that needs building (a field mask, a lost
 * event) is a {@link Message}. Both are the same bytes on the wire as the generated marshaller writes
 * for the equal message, so clients use the generated stubs.
 */
sealed interface FlowsReply {

    /** A built response, written by the generated marshaller. */
    record Message(GetFlowsResponse response) implements FlowsReply {}

    /** A whole stored flow: {@code flow} (field 1) with its bytes, {@code node_name}, {@code time}. */
    record Stored(StoredFlow flow) implements FlowsReply {}

    /** Writes either kind; reads any response as a {@link Message}. */
    MethodDescriptor.Marshaller<FlowsReply> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        private final MethodDescriptor.Marshaller<GetFlowsResponse> generated =
                ProtoUtils.marshaller(GetFlowsResponse.getDefaultInstance());

        @Override
        public InputStream stream(FlowsReply reply) {
            return switch (reply) {
                case Message m -> generated.stream(m.response());
                case Stored s -> new Frame(s.flow());
            };
        }

        @Override
        public FlowsReply parse(InputStream stream) {
            return new Message(generated.parse(stream));
        }
    };

    /**
     * The response's bytes: the tag and length of field 1, the flow's bytes as stored, then
     * {@code node_name} (field 1000) and {@code time} (field 1001) as the generated code orders them.
     * gRPC drains it into its buffer; reading it byte by byte (no transport here does) builds the array.
     */
    final class Frame extends InputStream implements Drainable, KnownLength {

        private static final int FLOW = 1 << 3 | 2;
        private static final int NODE_NAME = 1000 << 3 | 2;
        private static final int TIME = 1001 << 3 | 2;
        private static final int SECONDS = 1 << 3;
        private static final int NANOS = 2 << 3;

        private final byte[] head;
        private final byte[] payload;
        private final byte[] tail;
        private InputStream read;
        private boolean drained;

        Frame(StoredFlow flow) {
            payload = flow.payload();
            byte[] h = new byte[10];
            int n = varint(h, 0, FLOW);
            n = varint(h, n, payload.length);
            head = java.util.Arrays.copyOf(h, n);
            byte[] node = flow.node.getBytes(StandardCharsets.UTF_8);
            long seconds = Math.floorDiv(flow.timeNanos, 1_000_000_000L);
            int nanos = (int) Math.floorMod(flow.timeNanos, 1_000_000_000L);
            byte[] time = new byte[2 + 10 + 1 + 5];
            int timeLength = 0;
            if (seconds != 0) {
                timeLength = varint(time, timeLength, SECONDS);
                timeLength = varint(time, timeLength, seconds);
            }
            if (nanos != 0) {
                timeLength = varint(time, timeLength, NANOS);
                timeLength = varint(time, timeLength, nanos);
            }
            byte[] t = new byte[2 + 5 + node.length + 2 + 1 + timeLength];
            int m = 0;
            if (node.length > 0) {
                m = varint(t, m, NODE_NAME);
                m = varint(t, m, node.length);
                System.arraycopy(node, 0, t, m, node.length);
                m += node.length;
            }
            m = varint(t, m, TIME);
            m = varint(t, m, timeLength);
            System.arraycopy(time, 0, t, m, timeLength);
            tail = java.util.Arrays.copyOf(t, m + timeLength);
        }

        /**
         * Protobuf's varint at {@code at}, returning where it ends: an int64 (seconds before 1970) takes ten
         * bytes, as the generated code writes it.
         */
        private static int varint(byte[] out, int at, long value) {
            while ((value & ~0x7FL) != 0) {
                out[at++] = (byte) ((value & 0x7F) | 0x80);
                value >>>= 7;
            }
            out[at++] = (byte) value;
            return at;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int length = available();
            target.write(head);
            target.write(payload);
            target.write(tail);
            drained = true;
            return length;
        }

        @Override
        public int available() {
            if (drained) {
                return 0;
            }
            return read != null ? readAvailable() : head.length + payload.length + tail.length;
        }

        @Override
        public int read() throws IOException {
            return bytes().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return bytes().read(b, off, len);
        }

        private int readAvailable() {
            try {
                return read.available();
            } catch (IOException e) {
                return 0;
            }
        }

        private InputStream bytes() {
            if (read == null) {
                ByteArrayOutputStream all = new ByteArrayOutputStream(available());
                all.writeBytes(head);
                all.writeBytes(payload);
                all.writeBytes(tail);
                read = new java.io.ByteArrayInputStream(drained ? new byte[0] : all.toByteArray());
            }
            return read;
        }
    }
}
