package dev.tendril.flows.adapters.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import dev.tendril.api.hubble.flow.FlowFilter;
import dev.tendril.api.hubble.flow.TCPFlags;
import dev.tendril.api.hubble.observer.GetFlowsRequest;
import dev.tendril.flows.adapters.FlowCodec;
import dev.tendril.flows.adapters.ProtoFields;
import dev.tendril.flows.domain.FilterSpec;
import dev.tendril.flows.domain.FlowQuery;
import dev.tendril.flows.domain.FlowSelection;
import dev.tendril.flows.domain.InvalidFilterException;
import dev.tendril.flows.domain.Peer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code observer.GetFlowsRequest} to a {@link FlowQuery}; errors name the proto field. Upstream's
 * FlowFilter fields that Tendril's copy of the proto does not declare yet arrive as unknown fields:
 * they are read by number ({@code event_type}, {@code source_fqdn}, {@code drop_reason_desc}, ...) or,
 * when Tendril cannot evaluate them, refused by their upstream name, so no filter is silently dropped.
 */
public final class ProtoRequests {

    /** Upstream {@code flow.FlowFilter} field numbers to names (Cilium 1.19 flow.proto). */
    static final Map<Integer, String> UPSTREAM_FILTER_FIELDS = Map.ofEntries(
            Map.entry(1, "source_ip"),
            Map.entry(2, "source_pod"),
            Map.entry(3, "destination_ip"),
            Map.entry(4, "destination_pod"),
            Map.entry(5, "verdict"),
            Map.entry(6, "event_type"),
            Map.entry(7, "source_fqdn"),
            Map.entry(8, "destination_fqdn"),
            Map.entry(9, "http_status_code"),
            Map.entry(10, "source_label"),
            Map.entry(11, "destination_label"),
            Map.entry(12, "protocol"),
            Map.entry(13, "source_port"),
            Map.entry(14, "destination_port"),
            Map.entry(15, "reply"),
            Map.entry(16, "source_service"),
            Map.entry(17, "destination_service"),
            Map.entry(18, "dns_query"),
            Map.entry(19, "source_identity"),
            Map.entry(20, "destination_identity"),
            Map.entry(21, "http_method"),
            Map.entry(22, "http_path"),
            Map.entry(23, "tcp_flags"),
            Map.entry(24, "node_name"),
            Map.entry(25, "ip_version"),
            Map.entry(26, "source_workload"),
            Map.entry(27, "destination_workload"),
            Map.entry(28, "trace_id"),
            Map.entry(29, "uuid"),
            Map.entry(30, "traffic_direction"),
            Map.entry(31, "http_url"),
            Map.entry(32, "http_header"),
            Map.entry(33, "drop_reason_desc"),
            Map.entry(34, "source_ip_xlated"),
            Map.entry(35, "interface"),
            Map.entry(36, "node_labels"),
            Map.entry(37, "source_cluster_name"),
            Map.entry(38, "destination_cluster_name"),
            Map.entry(999, "experimental.cel_expression"));

    /** The FlowFilter fields Tendril evaluates; any other field set in a filter is refused. */
    static final Set<String> EVALUATED = Set.of(
            "source_ip",
            "source_pod",
            "destination_ip",
            "destination_pod",
            "verdict",
            "event_type",
            "source_fqdn",
            "destination_fqdn",
            "source_label",
            "destination_label",
            "protocol",
            "source_port",
            "destination_port",
            "reply",
            "source_identity",
            "destination_identity",
            "tcp_flags",
            "node_name",
            "ip_version",
            "uuid",
            "traffic_direction",
            "drop_reason_desc",
            "source_workload",
            "destination_workload",
            "source_cluster_name",
            "destination_cluster_name",
            "node_labels");

    private static final int REQUEST_FIELD_MASK = 10;
    private static final int REQUEST_EXPERIMENTAL = 999;

    private ProtoRequests() {}

    public static FlowQuery query(GetFlowsRequest request) {
        List<FilterSpec> whitelist =
                request.getWhitelistList().stream().map(ProtoRequests::spec).toList();
        List<FilterSpec> blacklist =
                request.getBlacklistList().stream().map(ProtoRequests::spec).toList();
        FlowSelection selection = FlowSelection.compile(whitelist, blacklist);
        long since = request.hasSince() ? nanos(request.getSince(), "since") : Long.MIN_VALUE;
        long until = request.hasUntil() ? nanos(request.getUntil(), "until") : Long.MAX_VALUE;
        fieldMask(request);
        return new FlowQuery(
                FlowQuery.unsignedNumber(request.getNumber()),
                request.getFirst(),
                request.getFollow(),
                since,
                until,
                selection);
    }

    /**
     * The paths of the request's {@code field_mask} (upstream field 10, or the older
     * {@code experimental.field_mask}), empty for whole flows.
     */
    public static List<String> fieldMask(GetFlowsRequest request) {
        UnknownFieldSet unknown = request.getUnknownFields();
        List<ByteString> masks = new ArrayList<>();
        if (unknown.hasField(REQUEST_FIELD_MASK)) {
            masks.addAll(unknown.getField(REQUEST_FIELD_MASK).getLengthDelimitedList());
        }
        if (masks.isEmpty() && unknown.hasField(REQUEST_EXPERIMENTAL)) {
            for (ByteString experimental :
                    unknown.getField(REQUEST_EXPERIMENTAL).getLengthDelimitedList()) {
                UnknownFieldSet fields = parse(experimental, "experimental");
                if (fields.hasField(1)) {
                    masks.addAll(fields.getField(1).getLengthDelimitedList());
                }
            }
        }
        List<String> paths = new ArrayList<>();
        for (ByteString mask : masks) {
            UnknownFieldSet fields = parse(mask, "field_mask");
            if (fields.hasField(1)) {
                for (ByteString path : fields.getField(1).getLengthDelimitedList()) {
                    String text = path.toStringUtf8();
                    if (!text.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
                        throw new InvalidFilterException("field_mask", "'" + text + "' is not a field path");
                    }
                    paths.add(text);
                }
            }
        }
        return paths;
    }

    public static FilterSpec spec(FlowFilter filter) {
        FilterSpec.Builder b = FilterSpec.builder();
        for (FieldDescriptor field : filter.getAllFields().keySet()) {
            if (!EVALUATED.contains(field.getName())) {
                b.refused.add(field.getName());
            }
        }
        for (int number : filter.getUnknownFields().asMap().keySet()) {
            String name = UPSTREAM_FILTER_FIELDS.getOrDefault(number, "field " + number);
            if (!EVALUATED.contains(name)) {
                b.refused.add(name);
            }
        }
        b.sourcePod.addAll(filter.getSourcePodList());
        b.destinationPod.addAll(filter.getDestinationPodList());
        b.sourceLabel.addAll(filter.getSourceLabelList());
        b.destinationLabel.addAll(filter.getDestinationLabelList());
        b.sourceIp.addAll(filter.getSourceIpList());
        b.destinationIp.addAll(filter.getDestinationIpList());
        filter.getSourceIdentityList().forEach(b.sourceIdentity::add);
        filter.getDestinationIdentityList().forEach(b.destinationIdentity::add);
        b.verdict.addAll(filter.getVerdictValueList());
        b.protocol.addAll(filter.getProtocolList());
        b.sourcePort.addAll(filter.getSourcePortList());
        b.destinationPort.addAll(filter.getDestinationPortList());
        b.trafficDirection.addAll(filter.getTrafficDirectionValueList());
        b.nodeName.addAll(filter.getNodeNameList());
        for (TCPFlags flags : filter.getTcpFlagsList()) {
            b.tcpFlags.add(FlowCodec.flags(flags));
        }
        b.reply.addAll(filter.getReplyList());
        b.ipVersion.addAll(filter.getIpVersionValueList());
        b.uuid.addAll(filter.getUuidList());
        b.sourceFqdn.addAll(strings(filter, "source_fqdn", 7));
        b.destinationFqdn.addAll(strings(filter, "destination_fqdn", 8));
        b.dropReason.addAll(enums(filter, "drop_reason_desc", 33));
        b.eventType.addAll(eventTypes(filter));
        b.sourceWorkload.addAll(workloads(filter, "source_workload", 26));
        b.destinationWorkload.addAll(workloads(filter, "destination_workload", 27));
        b.sourceCluster.addAll(strings(filter, "source_cluster_name", 37));
        b.destinationCluster.addAll(strings(filter, "destination_cluster_name", 38));
        b.nodeLabels.addAll(strings(filter, "node_labels", 36));
        return b.build();
    }

    /** {@code flow.Workload} filters: {@code name} 1, {@code kind} 2. */
    private static List<Peer.Workload> workloads(FlowFilter filter, String name, int number) {
        List<Peer.Workload> out = new ArrayList<>();
        for (var w : ProtoFields.messages(filter, name, number)) {
            out.add(new Peer.Workload(w.apply(2), w.apply(1)));
        }
        return out;
    }

    private static List<String> strings(Message message, String name, int number) {
        FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
        List<String> out = new ArrayList<>();
        if (field != null) {
            for (Object value : (List<?>) message.getField(field)) {
                out.add((String) value);
            }
        } else if (message.getUnknownFields().hasField(number)) {
            message.getUnknownFields()
                    .getField(number)
                    .getLengthDelimitedList()
                    .forEach(v -> out.add(v.toStringUtf8()));
        }
        return out;
    }

    private static List<Integer> enums(Message message, String name, int number) {
        FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
        List<Integer> out = new ArrayList<>();
        if (field != null) {
            for (Object value : (List<?>) message.getField(field)) {
                out.add(((EnumValueDescriptor) value).getNumber());
            }
        } else if (message.getUnknownFields().hasField(number)) {
            UnknownFieldSet.Field values = message.getUnknownFields().getField(number);
            values.getVarintList().forEach(v -> out.add(v.intValue()));
            // Repeated enums are packed on the wire.
            for (ByteString packed : values.getLengthDelimitedList()) {
                try {
                    CodedInputStream in = packed.newCodedInput();
                    while (!in.isAtEnd()) {
                        out.add(in.readEnum());
                    }
                } catch (IOException e) {
                    throw new InvalidFilterException(name, "unreadable values");
                }
            }
        }
        return out;
    }

    private static List<FilterSpec.EventType> eventTypes(FlowFilter filter) {
        FieldDescriptor field = filter.getDescriptorForType().findFieldByName("event_type");
        List<FilterSpec.EventType> out = new ArrayList<>();
        if (field != null) {
            for (Object value : (List<?>) filter.getField(field)) {
                Message m = (Message) value;
                out.add(new FilterSpec.EventType(
                        intField(m, "type"),
                        (Boolean) m.getField(fieldOf(m, "match_sub_type")),
                        intField(m, "sub_type")));
            }
        } else if (filter.getUnknownFields().hasField(6)) {
            for (ByteString bytes : filter.getUnknownFields().getField(6).getLengthDelimitedList()) {
                UnknownFieldSet m = parse(bytes, "event_type");
                out.add(new FilterSpec.EventType(varint(m, 1), varint(m, 2) != 0, varint(m, 3)));
            }
        }
        return out;
    }

    private static FieldDescriptor fieldOf(Message m, String name) {
        return m.getDescriptorForType().findFieldByName(name);
    }

    private static int intField(Message m, String name) {
        return ((Number) m.getField(fieldOf(m, name))).intValue();
    }

    private static int varint(UnknownFieldSet fields, int number) {
        if (!fields.hasField(number)) {
            return 0;
        }
        List<Long> values = fields.getField(number).getVarintList();
        return values.isEmpty() ? 0 : values.getLast().intValue();
    }

    private static UnknownFieldSet parse(ByteString bytes, String field) {
        try {
            return UnknownFieldSet.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidFilterException(field, "unreadable message");
        }
    }

    private static long nanos(Timestamp time, String field) {
        if (time.getNanos() < 0 || time.getNanos() > 999_999_999) {
            throw new InvalidFilterException(field, "nanos out of range");
        }
        // Flows are kept in nanoseconds since the epoch: a long reaches the years 1677 to 2262.
        try {
            return Math.addExact(Math.multiplyExact(time.getSeconds(), 1_000_000_000L), time.getNanos());
        } catch (ArithmeticException e) {
            throw new InvalidFilterException(
                    field, "seconds " + time.getSeconds() + " out of range: a time between the years 1678 and 2262");
        }
    }
}
