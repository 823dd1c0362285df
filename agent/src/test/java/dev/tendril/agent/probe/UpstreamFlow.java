package dev.tendril.agent.probe;

import com.google.protobuf.AnyProto;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;

/**
 * The parts of upstream's {@code flow.Flow} (cilium/cilium api/v1/flow/flow.proto) that api/ does not declare,
 * with upstream's names, types and numbers: flows parsed with it read as a client generated from upstream's
 * protos reads them.
 */
public final class UpstreamFlow {

    static final Descriptors.Descriptor FLOW;

    static {
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("upstream/flow.proto")
                .setPackage("upstream")
                .setSyntax("proto3")
                .addDependency("google/protobuf/any.proto")
                .addMessageType(DescriptorProto.newBuilder()
                        .setName("Workload")
                        .addField(field("name", 1, Type.TYPE_STRING, null, false))
                        .addField(field("kind", 2, Type.TYPE_STRING, null, false)))
                .addMessageType(DescriptorProto.newBuilder()
                        .setName("Emitter")
                        .addField(field("name", 1, Type.TYPE_STRING, null, false))
                        .addField(field("version", 2, Type.TYPE_STRING, null, false)))
                .addMessageType(DescriptorProto.newBuilder()
                        .setName("Endpoint")
                        .addField(field("ID", 1, Type.TYPE_UINT32, null, false))
                        .addField(field("identity", 2, Type.TYPE_UINT32, null, false))
                        .addField(field("cluster_name", 7, Type.TYPE_STRING, null, false))
                        .addField(field("namespace", 3, Type.TYPE_STRING, null, false))
                        .addField(field("labels", 4, Type.TYPE_STRING, null, true))
                        .addField(field("pod_name", 5, Type.TYPE_STRING, null, false))
                        .addField(field("workloads", 6, Type.TYPE_MESSAGE, ".upstream.Workload", true)))
                .addMessageType(DescriptorProto.newBuilder()
                        .setName("Flow")
                        .addField(field("source", 8, Type.TYPE_MESSAGE, ".upstream.Endpoint", false))
                        .addField(field("destination", 9, Type.TYPE_MESSAGE, ".upstream.Endpoint", false))
                        .addField(field("node_labels", 37, Type.TYPE_STRING, null, true))
                        .addField(field("emitter", 41, Type.TYPE_MESSAGE, ".upstream.Emitter", false))
                        .addField(field("Summary", 100000, Type.TYPE_STRING, null, false))
                        .addField(field("extensions", 150000, Type.TYPE_MESSAGE, ".google.protobuf.Any", false)))
                .build();
        try {
            FLOW = Descriptors.FileDescriptor.buildFrom(
                            file, new Descriptors.FileDescriptor[] {AnyProto.getDescriptor()})
                    .findMessageTypeByName("Flow");
        } catch (Descriptors.DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private UpstreamFlow() {}

    /** A flow's bytes as upstream's {@code flow.Flow}. */
    public static DynamicMessage parse(byte[] flow) throws InvalidProtocolBufferException {
        return DynamicMessage.parseFrom(FLOW, flow);
    }

    /** The value of a field by its upstream path, e.g. {@code source.cluster_name}, {@code emitter.name}. */
    public static Object get(DynamicMessage message, String path) {
        Object value = message;
        for (String name : path.split("\\.")) {
            DynamicMessage m = (DynamicMessage) value;
            value = m.getField(m.getDescriptorForType().findFieldByName(name));
        }
        return value;
    }

    private static FieldDescriptorProto field(String name, int number, Type type, String typeName, boolean repeated) {
        FieldDescriptorProto.Builder f = FieldDescriptorProto.newBuilder()
                .setName(name)
                .setNumber(number)
                .setType(type)
                .setLabel(repeated ? Label.LABEL_REPEATED : Label.LABEL_OPTIONAL);
        if (typeName != null) {
            f.setTypeName(typeName);
        }
        return f.build();
    }
}
