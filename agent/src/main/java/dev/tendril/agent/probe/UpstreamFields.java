package dev.tendril.agent.probe;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.Value;
import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import java.util.List;

/**
 * Fields of Hubble's {@code flow.Flow} and {@code flow.Endpoint} (cilium/cilium api/v1/flow/flow.proto,
 * Cilium 1.19) that api/'s flow.proto does not declare yet, written under upstream's field numbers as
 * fields the generated classes keep unparsed: a client generated from upstream's protos (hubble, Hubble
 * UI, hubble-relay) reads them as the named fields, Tendril's flows service passes them through. Once
 * api/ declares them, each method here becomes the generated setter.
 */
public final class UpstreamFields {

    /** {@code repeated string node_labels = 37}. */
    public static final int FLOW_NODE_LABELS = 37;
    /** {@code Emitter emitter = 41}: {@code message Emitter { string name = 1; string version = 2; }}. */
    public static final int FLOW_EMITTER = 41;
    /** {@code string Summary = 100000 [deprecated = true]}, still filled by Hubble's parser. */
    public static final int FLOW_SUMMARY = 100_000;
    /** {@code google.protobuf.Any extensions = 150000}: metadata beyond Hubble's own fields. */
    public static final int FLOW_EXTENSIONS = 150_000;
    /** {@code repeated Workload workloads = 6}: {@code message Workload { string name = 1; string kind = 2; }}. */
    public static final int ENDPOINT_WORKLOADS = 6;
    /** {@code string cluster_name = 7}. */
    public static final int ENDPOINT_CLUSTER_NAME = 7;

    /** Hubble's emitter name ({@code v1.FlowEmitter}). */
    public static final String EMITTER_NAME = "Hubble";

    private UpstreamFields() {}

    public static void setSummary(Flow.Builder flow, String summary) {
        flow.setUnknownFields(
                with(flow.getUnknownFields(), FLOW_SUMMARY, summary.isEmpty() ? List.of() : List.of(utf8(summary))));
    }

    public static void setEmitter(Flow.Builder flow, String name, String version) {
        UnknownFieldSet emitter = UnknownFieldSet.newBuilder()
                .mergeField(1, lengthDelimited(utf8(name)))
                .mergeField(2, lengthDelimited(utf8(version)))
                .build();
        flow.setUnknownFields(with(flow.getUnknownFields(), FLOW_EMITTER, List.of(emitter.toByteString())));
    }

    public static void setNodeLabels(Flow.Builder flow, List<String> labels) {
        flow.setUnknownFields(with(
                flow.getUnknownFields(),
                FLOW_NODE_LABELS,
                labels.stream().map(UpstreamFields::utf8).toList()));
    }

    /** Tendril's own flow metadata as {@code extensions}: a {@code google.protobuf.Struct} in an Any. */
    public static void setExtensions(Flow.Builder flow, Struct metadata) {
        flow.setUnknownFields(with(
                flow.getUnknownFields(),
                FLOW_EXTENSIONS,
                List.of(Any.pack(metadata).toByteString())));
    }

    public static void clearExtensions(Flow.Builder flow) {
        flow.setUnknownFields(with(flow.getUnknownFields(), FLOW_EXTENSIONS, List.of()));
    }

    public static void setClusterName(Endpoint.Builder endpoint, String cluster) {
        endpoint.setUnknownFields(with(
                endpoint.getUnknownFields(),
                ENDPOINT_CLUSTER_NAME,
                cluster.isEmpty() ? List.of() : List.of(utf8(cluster))));
    }

    public static void setWorkloads(Endpoint.Builder endpoint, List<FlowRecords.Workload> workloads) {
        endpoint.setUnknownFields(with(
                endpoint.getUnknownFields(),
                ENDPOINT_WORKLOADS,
                workloads.stream()
                        .map(w -> UnknownFieldSet.newBuilder()
                                .mergeField(1, lengthDelimited(utf8(w.name())))
                                .mergeField(2, lengthDelimited(utf8(w.kind())))
                                .build()
                                .toByteString())
                        .toList()));
    }

    /** A Struct of string lists, the shape of Tendril's extensions. */
    public static Struct struct(String key, List<String> values) {
        ListValue.Builder list = ListValue.newBuilder();
        values.forEach(v -> list.addValues(Value.newBuilder().setStringValue(v)));
        return Struct.newBuilder()
                .putFields(key, Value.newBuilder().setListValue(list).build())
                .build();
    }

    /** {@code fields} with field {@code number} replaced by {@code values} (absent when empty). */
    private static UnknownFieldSet with(UnknownFieldSet fields, int number, List<ByteString> values) {
        UnknownFieldSet.Builder out = UnknownFieldSet.newBuilder(fields).clearField(number);
        if (!values.isEmpty()) {
            UnknownFieldSet.Field.Builder field = UnknownFieldSet.Field.newBuilder();
            values.forEach(field::addLengthDelimited);
            out.addField(number, field.build());
        }
        return out.build();
    }

    private static UnknownFieldSet.Field lengthDelimited(ByteString bytes) {
        return UnknownFieldSet.Field.newBuilder().addLengthDelimited(bytes).build();
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
