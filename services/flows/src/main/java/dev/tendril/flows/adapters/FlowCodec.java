package dev.tendril.flows.adapters;

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

    private record PeerKey(
            String namespace,
            String pod,
            int identity,
            List<String> labels,
            String cluster,
            List<Peer.Workload> workloads) {}

    private final Interner<PeerKey, Peer> peers = new Interner<>(200_000);
    private final Interner<String, IpAddress> addresses = new Interner<>(500_000);
    private final Interner<String, String> nodes = new Interner<>(10_000);

    public StoredFlow decode(byte[] bytes, long offset, String key) throws InvalidProtocolBufferException {
        return decode(Flow.parseFrom(bytes), bytes, offset, key);
    }

    public StoredFlow decode(Flow flow, byte[] bytes, long offset, String key) {
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
            default -> protocol = 0;
        }
        int reply = flow.hasIsReply() ? (flow.getIsReply().getValue() ? 2 : 1) : 0;
        long time =
                flow.getTime().getSeconds() * 1_000_000_000L + flow.getTime().getNanos();
        return new StoredFlow(
                time,
                offset,
                nodes.intern(node, n -> n),
                peer(flow.getSource()),
                peer(flow.getDestination()),
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

    private static FlowDetails details(Flow flow) {
        List<String> nodeLabels = ProtoFields.strings(flow, "node_labels", FLOW_NODE_LABELS);
        if (nodeLabels.isEmpty()
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
                FlowDetails.L7_NONE,
                flow.getUuid(),
                flow.getSourceNamesList(),
                flow.getDestinationNamesList(),
                nodeLabels.stream().map(Label::parse).toList());
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

    public int internedPeers() {
        return peers.size();
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
