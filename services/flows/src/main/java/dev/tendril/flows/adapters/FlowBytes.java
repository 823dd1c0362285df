package dev.tendril.flows.adapters;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.tendril.api.hubble.flow.Flow;
import java.io.IOException;
import java.util.Arrays;

/**
 * A serialized {@code flow.Flow} taken apart for the ingest: where its two endpoints lie in the bytes, and the flow
 * parsed without them. The ingest finds a flow's peers by their endpoints' bytes ({@link FlowCodec}), so for every
 * flow whose peers are already known, parsing the endpoints (namespace, pod and every label as a string: most of a
 * flow's strings and of the ingest's garbage) was work thrown away.
 */
public final class FlowBytes {

    static final int SOURCE = 8;
    static final int DESTINATION = 9;

    /**
     * A flow and where its endpoints lie, each as offset << 32 | length, -1 when absent or not usable (sent more than
     * once: protobuf merges the occurrences). {@code withEndpoints}: the flow was parsed whole, so its own
     * {@code source} and {@code destination} are set; otherwise they were left out and only the bytes tell them.
     */
    public record Parsed(Flow flow, long source, long destination, boolean withEndpoints) {}

    private FlowBytes() {}

    /**
     * The flow without its endpoints when each is sent at most once, else the whole flow; the same errors as
     * {@code Flow.parseFrom} for what it parses (an endpoint left out is checked when it is first parsed).
     */
    public static Parsed parse(byte[] bytes) throws InvalidProtocolBufferException {
        // Per endpoint: the field's start (its tag) and end, and its value's range.
        int[] start = {-1, -1};
        int[] end = {-1, -1};
        long[] range = {-1, -1};
        boolean whole = false;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            while (true) {
                int at = in.getTotalBytesRead();
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                int field = WireFormat.getTagFieldNumber(tag);
                if ((field == SOURCE || field == DESTINATION)
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    int i = field - SOURCE;
                    int length = in.readRawVarint32();
                    int value = in.getTotalBytesRead();
                    in.skipRawBytes(length);
                    whole |= start[i] >= 0;
                    range[i] = start[i] >= 0 ? -1 : (long) value << 32 | length;
                    start[i] = at;
                    end[i] = in.getTotalBytesRead();
                } else {
                    in.skipField(tag);
                }
            }
        } catch (IOException unreadable) {
            // Flow.parseFrom says why, or (if it reads what this scan could not) the endpoints come from the flow.
            return new Parsed(Flow.parseFrom(bytes), -1, -1, true);
        }
        if (whole) {
            return new Parsed(Flow.parseFrom(bytes), range[0], range[1], true);
        }
        // Parsing the pieces between the endpoints one after the other into one builder is parsing their
        // concatenation: every piece starts and ends at a field boundary.
        Flow.Builder builder = Flow.newBuilder();
        int first = start[0] < 0 || (start[1] >= 0 && start[1] < start[0]) ? 1 : 0;
        int from = cutOut(builder, bytes, 0, start[first], end[first]);
        from = cutOut(builder, bytes, from, start[1 - first], end[1 - first]);
        if (from < bytes.length) {
            builder.mergeFrom(bytes, from, bytes.length - from);
        }
        return new Parsed(builder.buildPartial(), range[0], range[1], false);
    }

    /** Parses {@code bytes} from {@code from} up to the field at {@code start}; where to go on (the field's end). */
    private static int cutOut(Flow.Builder builder, byte[] bytes, int from, int start, int end)
            throws InvalidProtocolBufferException {
        if (start < 0) {
            return from;
        }
        if (start > from) {
            builder.mergeFrom(bytes, from, start - from);
        }
        return end;
    }

    /**
     * Where a whole flow's endpoints lie, as in {@link Parsed}; both -1 when the bytes do not read.
     */
    static Parsed locate(Flow flow, byte[] bytes) {
        long[] found = {-1, -1};
        boolean[] seen = new boolean[2];
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            for (int tag; (tag = in.readTag()) != 0; ) {
                int field = WireFormat.getTagFieldNumber(tag);
                if ((field == SOURCE || field == DESTINATION)
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    int i = field - SOURCE;
                    int length = in.readRawVarint32();
                    int at = in.getTotalBytesRead();
                    found[i] = seen[i] ? -1 : (long) at << 32 | length;
                    seen[i] = true;
                    in.skipRawBytes(length);
                } else {
                    in.skipField(tag);
                }
            }
        } catch (IOException unreadable) {
            return new Parsed(flow, -1, -1, true);
        }
        return new Parsed(flow, found[0], found[1], true);
    }

    /**
     * An {@code Endpoint}'s serialized bytes inside a flow: equal bytes are an equal peer, so the ingest finds a
     * known peer by comparing bytes instead of hashing and comparing its parsed label strings. Stored keys own a
     * copy of their bytes.
     */
    record EndpointBytes(byte[] bytes, int offset, int length, int hash) {
        static EndpointBytes of(byte[] bytes, long range) {
            int offset = (int) (range >>> 32);
            int length = (int) range;
            int hash = 1;
            for (int i = offset; i < offset + length; i++) {
                hash = 31 * hash + bytes[i];
            }
            return new EndpointBytes(bytes, offset, length, hash);
        }

        EndpointBytes copy() {
            return new EndpointBytes(Arrays.copyOfRange(bytes, offset, offset + length), 0, length, hash);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof EndpointBytes e
                    && e.hash == hash
                    && Arrays.equals(bytes, offset, offset + length, e.bytes, e.offset, e.offset + e.length);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
