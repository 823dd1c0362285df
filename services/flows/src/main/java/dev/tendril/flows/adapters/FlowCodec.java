package dev.tendril.flows.adapters;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.Layer4;
import dev.tendril.api.hubble.flow.TCPFlags;
import dev.tendril.flows.domain.FlowDetails;
import dev.tendril.flows.domain.Interner;
import dev.tendril.flows.domain.Peer;
import dev.tendril.flows.domain.StoredFlow;
import dev.tendril.flows.domain.TcpFlags;
import dev.tendril.k8s.labels.Label;
import dev.tendril.net.IpAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code flow.Flow} bytes to {@link StoredFlow} and back. Peers, addresses and node names are interned,
 * so a ring's flows share them; the bytes are kept as they came.
 */
public final class FlowCodec {

    /** Upstream field numbers of fields Tendril's api/ may not declare yet. */
    private static final int ENDPOINT_WORKLOADS = 6;

    private static final int ENDPOINT_CLUSTER_NAME = 7;
    private static final int FLOW_NODE_LABELS = 37;
    private static final int FLOW_L7 = 15;
    private static final int LAYER7_DNS = 100;
    private static final int LAYER7_HTTP = 101;
    private static final int LAYER7_KAFKA = 102;
    private static final int LAYER4_VRRP = 6;
    private static final int LAYER4_IGMP = 7;

    /** Looked up once: null while Tendril's api/ does not declare them (then they are unknown fields). */
    private static final FieldDescriptor NODE_LABELS = Flow.getDescriptor().findFieldByName("node_labels");

    private static final FieldDescriptor L7 = Flow.getDescriptor().findFieldByName("l7");

    private record PeerKey(
            String namespace,
            String pod,
            int identity,
            List<String> labels,
            String cluster,
            List<Peer.Workload> workloads) {}

    private final Interner<PeerKey, Peer> peers = new Interner<>(200_000);
    private final Interner<FlowBytes.EndpointBytes, Peer> peersByBytes = new Interner<>(200_000);
    private final Interner<String, IpAddress> addresses = new Interner<>(500_000);
    private final Interner<String, String> nodes = new Interner<>(10_000);
    // A node sends the same node_labels with every flow: parsed once per distinct set.
    private final Interner<List<String>, List<Label>> nodeLabelSets = new Interner<>(10_000);

    public StoredFlow decode(byte[] bytes, long offset, String key) throws InvalidProtocolBufferException {
        return decode(FlowBytes.parse(bytes), bytes, offset, key);
    }

    /** {@code flow} parsed whole from {@code bytes}. */
    public StoredFlow decode(Flow flow, byte[] bytes, long offset, String key) {
        try {
            return decode(FlowBytes.locate(flow, bytes), bytes, offset, key);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a parsed flow's endpoint no longer parses", e);
        }
    }

    /**
     * {@code parsed} from {@code bytes} ({@link FlowBytes#parse}); fails when an endpoint left out of it, not known
     * by its bytes yet, does not parse.
     */
    public StoredFlow decode(FlowBytes.Parsed parsed, byte[] bytes, long offset, String key)
            throws InvalidProtocolBufferException {
        Flow flow = parsed.flow();
        String node = flow.getNodeName().isEmpty() ? (key == null ? "" : key) : flow.getNodeName();
        Layer4 l4 = flow.getL4();
        int protocol;
        int sourcePort = 0;
        int destinationPort = 0;
        int flags = 0;
        switch (l4.getProtocolCase()) {
            case TCP -> {
                protocol = 1;
                sourcePort = l4.getTCP().getSourcePort();
                destinationPort = l4.getTCP().getDestinationPort();
                flags = flags(l4.getTCP().getFlags());
            }
            case UDP -> {
                protocol = 2;
                sourcePort = l4.getUDP().getSourcePort();
                destinationPort = l4.getUDP().getDestinationPort();
            }
            case ICMPV4 -> protocol = 3;
            case ICMPV6 -> protocol = 4;
            case SCTP -> {
                protocol = 5;
                sourcePort = l4.getSCTP().getSourcePort();
                destinationPort = l4.getSCTP().getDestinationPort();
            }
            default ->
                protocol = l4.getUnknownFields().hasField(LAYER4_VRRP)
                        ? 6
                        : l4.getUnknownFields().hasField(LAYER4_IGMP) ? 7 : 0;
        }
        int reply = flow.hasIsReply() ? (flow.getIsReply().getValue() ? 2 : 1) : 0;
        long time =
                flow.getTime().getSeconds() * 1_000_000_000L + flow.getTime().getNanos();
        return new StoredFlow(
                time,
                offset,
                nodes.intern(node, n -> n),
                peer(parsed, bytes, parsed.source(), true),
                peer(parsed, bytes, parsed.destination(), false),
                address(flow.getIP().getSource()),
                address(flow.getIP().getDestination()),
                sourcePort,
                destinationPort,
                protocol,
                flow.getVerdictValue(),
                flow.getTrafficDirectionValue(),
                reply,
                flow.getIP().getIpVersionValue(),
                flags,
                details(flow),
                bytes);
    }

    public static Flow flow(StoredFlow stored) {
        try {
            return Flow.parseFrom(stored.payload());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a stored flow no longer parses", e);
        }
    }

    private FlowDetails details(Flow flow) {
        List<String> nodeLabels = ProtoFields.strings(flow, NODE_LABELS, FLOW_NODE_LABELS);
        int l7 = l7(flow);
        if (nodeLabels.isEmpty()
                && l7 == FlowDetails.L7_NONE
                && !flow.hasEventType()
                && flow.getDropReasonDescValue() == 0
                && flow.getUuid().isEmpty()
                && flow.getSourceNamesCount() == 0
                && flow.getDestinationNamesCount() == 0) {
            return FlowDetails.NONE;
        }
        return new FlowDetails(
                flow.getEventType().getType(),
                flow.getEventType().getSubType(),
                flow.getDropReasonDescValue(),
                l7,
                flow.getUuid(),
                flow.getSourceNamesList(),
                flow.getDestinationNamesList(),
                nodeLabels.isEmpty() ? List.of() : nodeLabelSets.intern(nodeLabels, FlowCodec::labels));
    }

    private static List<Label> labels(List<String> texts) {
        List<Label> labels = new ArrayList<>(texts.size());
        texts.forEach(t -> labels.add(Label.parse(t)));
        return List.copyOf(labels);
    }

    /**
     * The flow with only the fields under {@code paths} set (Hubble's {@code field_mask}); all of it when
     * {@code paths} is empty. A path naming a field this flow's proto lacks selects nothing, as on a
     * Hubble flow that has no such data.
     */
    public static Flow masked(Flow flow, List<String> paths) {
        if (paths.isEmpty()) {
            return flow;
        }
        Flow.Builder out = Flow.newBuilder();
        com.google.protobuf.util.FieldMaskUtil.merge(
                com.google.protobuf.FieldMask.newBuilder().addAllPaths(paths).build(), flow, out);
        return out.build();
    }

    /** The kind of the flow's L7 record ({@code l7}, upstream field 15: dns 100, http 101, kafka 102). */
    private static int l7(Flow flow) {
        var field = L7;
        if (field != null) {
            if (!flow.hasField(field)) {
                return FlowDetails.L7_NONE;
            }
            var layer7 = (com.google.protobuf.Message) flow.getField(field);
            for (var set : layer7.getAllFields().keySet()) {
                switch (set.getNumber()) {
                    case LAYER7_DNS -> {
                        return FlowDetails.L7_DNS;
                    }
                    case LAYER7_HTTP -> {
                        return FlowDetails.L7_HTTP;
                    }
                    case LAYER7_KAFKA -> {
                        return FlowDetails.L7_KAFKA;
                    }
                    default -> {}
                }
            }
            return FlowDetails.L7_NONE;
        }
        if (!flow.getUnknownFields().hasField(FLOW_L7)) {
            return FlowDetails.L7_NONE;
        }
        for (var bytes : flow.getUnknownFields().getField(FLOW_L7).getLengthDelimitedList()) {
            try {
                var record = com.google.protobuf.UnknownFieldSet.parseFrom(bytes);
                if (record.hasField(LAYER7_DNS)) {
                    return FlowDetails.L7_DNS;
                }
                if (record.hasField(LAYER7_HTTP)) {
                    return FlowDetails.L7_HTTP;
                }
                if (record.hasField(LAYER7_KAFKA)) {
                    return FlowDetails.L7_KAFKA;
                }
            } catch (InvalidProtocolBufferException e) {
                return FlowDetails.L7_NONE;
            }
        }
        return FlowDetails.L7_NONE;
    }

    public int internedPeers() {
        return peers.size();
    }

    private Peer peer(FlowBytes.Parsed parsed, byte[] bytes, long range, boolean source)
            throws InvalidProtocolBufferException {
        if (range < 0) {
            // Absent, or sent more than once and merged: the (whole) flow's own endpoint.
            return peer(source ? parsed.flow().getSource() : parsed.flow().getDestination());
        }
        FlowBytes.EndpointBytes key = FlowBytes.EndpointBytes.of(bytes, range);
        Peer known = peersByBytes.get(key);
        if (known != null) {
            return known;
        }
        Endpoint endpoint = parsed.withEndpoints()
                ? (source ? parsed.flow().getSource() : parsed.flow().getDestination())
                : Endpoint.parser().parseFrom(bytes, (int) (range >>> 32), (int) range);
        return peersByBytes.intern(key.copy(), k -> peer(endpoint));
    }

    private Peer peer(Endpoint endpoint) {
        List<String> cluster = ProtoFields.strings(endpoint, "cluster_name", ENDPOINT_CLUSTER_NAME);
        List<Peer.Workload> workloads = new ArrayList<>();
        for (var w : ProtoFields.messages(endpoint, "workloads", ENDPOINT_WORKLOADS)) {
            workloads.add(new Peer.Workload(w.apply(2), w.apply(1)));
        }
        PeerKey key = new PeerKey(
                endpoint.getNamespace(),
                endpoint.getPodName(),
                endpoint.getIdentity(),
                endpoint.getLabelsList(),
                cluster.isEmpty() ? "" : cluster.getLast(),
                workloads);
        return peers.intern(key, k -> {
            List<Label> labels = new ArrayList<>(k.labels().size());
            k.labels().forEach(l -> labels.add(Label.parse(l)));
            return new Peer(k.namespace(), k.pod(), k.identity(), labels, k.cluster(), k.workloads());
        });
    }

    /** The address in a flow's IP field; null when the field is empty or unreadable (which is not interned). */
    private IpAddress address(String text) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            return addresses.intern(text, IpAddress::parse);
        } catch (IllegalArgumentException unreadable) {
            return null;
        }
    }

    /** The {@link TcpFlags} bit mask of a flow's (or a filter's) TCP flags. */
    public static int flags(TCPFlags f) {
        int mask = 0;
        if (f.getFIN()) mask |= TcpFlags.FIN;
        if (f.getSYN()) mask |= TcpFlags.SYN;
        if (f.getRST()) mask |= TcpFlags.RST;
        if (f.getPSH()) mask |= TcpFlags.PSH;
        if (f.getACK()) mask |= TcpFlags.ACK;
        if (f.getURG()) mask |= TcpFlags.URG;
        if (f.getECE()) mask |= TcpFlags.ECE;
        if (f.getCWR()) mask |= TcpFlags.CWR;
        if (f.getNS()) mask |= TcpFlags.NS;
        return mask;
    }
}
