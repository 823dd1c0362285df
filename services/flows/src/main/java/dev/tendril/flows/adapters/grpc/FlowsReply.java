package dev.tendril.flows.adapters.grpc;

import dev.tendril.api.hubble.observer.GetFlowsResponse;
import dev.tendril.flows.domain.StoredFlow;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One {@code GetFlowsResponse} as GetFlows writes it. A whole stored flow is a {@link Frame}: the flow's
 * bytes as ingested inside the response's own fields, so the flow the agent serialized is neither parsed
 * nor serialized again per follower (which was most of a follower's CPU); a response that needs building
 * (a field mask, a lost event) is a {@link Message}. Both are the bytes the generated marshaller writes
 * for the equal message, so clients use the generated stubs.
 */
sealed interface FlowsReply {

    /** A built response, written by the generated marshaller. */
    record Message(GetFlowsResponse response) implements FlowsReply {}

    /** Writes either kind; reads any response as a {@link Message}. */
    MethodDescriptor.Marshaller<FlowsReply> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        private final MethodDescriptor.Marshaller<GetFlowsResponse> generated =
                ProtoUtils.marshaller(GetFlowsResponse.getDefaultInstance());

        @Override
        public InputStream stream(FlowsReply reply) {
            return switch (reply) {
                case Message m -> generated.stream(m.response());
                case Frame f -> new FrameStream(f);
            };
        }

        @Override
        public FlowsReply parse(InputStream stream) {
            return new Message(generated.parse(stream));
        }
    };

    /**
     * A stored flow's response: the tag and length of {@code flow} (field 1), the flow's bytes as stored,
     * then {@code node_name} (field 1000) and {@code time} (field 1001), in the generated code's order.
     */
    final class Frame implements FlowsReply {

        private static final int FLOW = 1 << 3 | 2;
        private static final int NODE_NAME = 1000 << 3 | 2;
        private static final int TIME = 1001 << 3 | 2;
        private static final int SECONDS = 1 << 3;
        private static final int NANOS = 2 << 3;

        private final byte[] head;
        private final byte[] payload;
        private final byte[] tail;

        Frame(StoredFlow flow) {
            payload = flow.payload();
            byte[] h = new byte[10];
            int n = varint(h, 0, FLOW);
            n = varint(h, n, payload.length);
            head = Arrays.copyOf(h, n);
            byte[] node = flow.node.getBytes(StandardCharsets.UTF_8);
            long seconds = Math.floorDiv(flow.timeNanos, 1_000_000_000L);
            int nanos = (int) Math.floorMod(flow.timeNanos, 1_000_000_000L);
            byte[] time = new byte[1 + 10 + 1 + 5];
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
            tail = Arrays.copyOf(t, m + timeLength);
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

        /** The response's size in bytes. */
        int length() {
            return head.length + payload.length + tail.length;
        }

        void writeTo(OutputStream out) throws IOException {
            out.write(head);
            out.write(payload);
            out.write(tail);
        }

        /** The response as a gRPC message on the wire: not compressed, its length, its bytes. */
        void appendTo(Buffer out) {
            out.appendByte((byte) 0).appendInt(length());
            out.appendBytes(head).appendBytes(payload).appendBytes(tail);
        }

        byte[] bytes() {
            byte[] all = new byte[length()];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(payload, 0, all, head.length, payload.length);
            System.arraycopy(tail, 0, all, head.length + payload.length, tail.length);
            return all;
        }
    }

    /** gRPC drains it into its buffer; reading it byte by byte (no transport here does) builds the array. */
    final class FrameStream extends InputStream implements Drainable, KnownLength {

        private final Frame frame;
        private InputStream read;
        private boolean drained;

        FrameStream(Frame frame) {
            this.frame = frame;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int length = available();
            if (read != null) {
                return (int) read.transferTo(target);
            }
            frame.writeTo(target);
            drained = true;
            return length;
        }

        @Override
        public int available() throws IOException {
            if (read != null) {
                return read.available();
            }
            return drained ? 0 : frame.length();
        }

        @Override
        public int read() throws IOException {
            return bytes().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return bytes().read(b, off, len);
        }

        private InputStream bytes() {
            if (read == null) {
                read = new ByteArrayInputStream(drained ? new byte[0] : frame.bytes());
            }
            return read;
        }
    }
}
