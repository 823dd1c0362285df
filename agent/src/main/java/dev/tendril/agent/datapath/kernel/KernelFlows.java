package dev.tendril.agent.datapath.kernel;

import com.google.protobuf.Timestamp;
import dev.tendril.agent.probe.FlowRecords;
import dev.tendril.agent.probe.Prober;
import dev.tendril.api.hubble.flow.CiliumEventType;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.FlowType;
import dev.tendril.api.hubble.flow.ICMPv4;
import dev.tendril.api.hubble.flow.ICMPv6;
import dev.tendril.api.hubble.flow.IP;
import dev.tendril.api.hubble.flow.IPVersion;
import dev.tendril.api.hubble.flow.Layer4;
import dev.tendril.api.hubble.flow.SCTP;
import dev.tendril.api.hubble.flow.Service;
import dev.tendril.api.hubble.flow.SocketTranslationPoint;
import dev.tendril.api.hubble.flow.TCP;
import dev.tendril.api.hubble.flow.TCPFlags;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.api.hubble.flow.UDP;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.policymap.IpProtocol;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Verdict events as Hubble flow records: a policy verdict becomes exactly the record the agent's model
 * prober emits for the same decision ({@link FlowRecords#policyVerdict}, policies named from the subject's
 * published map as {@link Prober#provenance} finds them), with the packet's real TCP flags; a drop
 * before the policy map (spoofed source, no endpoint, malformed packet) becomes a DROP record with
 * Cilium's reason; a socket-LB event becomes a SOCK record ({@link #sockFlow}).
 */
public final class KernelFlows {

    /** What the agent knows to name a flow's ends and the policies behind a verdict. */
    public interface Naming {

        /**
         * One end of a flow.
         *
         * @param endpointId the local endpoint's id when this end is it, else 0
         */
        FlowRecords.Peer peer(InetAddress address, long identity, int endpointId);

        /** The published policy map of a subject identity, or null when none is known. */
        SubjectPolicyMap policyOf(long subjectIdentity);

        /** A local endpoint by its id, the node itself for 0: the source of a socket-LB event. */
        default FlowRecords.Peer localEndpoint(int endpointId) {
            return endpointId == 0
                    ? new FlowRecords.Peer(0, HOST_IDENTITY, null, null, List.of("reserved:host"))
                    : new FlowRecords.Peer(endpointId, 0, null, null, List.of());
        }

        /** The Service of a reverse-NAT index, when the agent knows it. */
        default Optional<ServiceName> service(int revNatIndex) {
            return Optional.empty();
        }
    }

    /** A Service as Hubble names it in {@code source_service} / {@code destination_service}. */
    public record ServiceName(String namespace, String name) {}

    private static final long HOST_IDENTITY = 1;
    private static final long WORLD_IDENTITY = 2;

    private KernelFlows() {}

    /** The wall-clock time of an event: its CLOCK_MONOTONIC stamp against System.nanoTime (the same clock on Linux). */
    public static Instant time(VerdictEvent e, Clock clock) {
        return clock.instant().minusNanos(System.nanoTime() - e.timestampNs());
    }

    /**
     * The flow records of one event, as Cilium's datapath notifies them: a policy verdict, followed by a
     * drop record when the policy dropped the packet; a drop before the policy map alone.
     */
    public static List<Flow> toFlows(VerdictEvent e, Instant time, String node, Naming naming) {
        Flow flow = toFlow(e, time, node, naming);
        return e.isPolicyVerdict() ? FlowRecords.policyDecision(flow) : List.of(flow);
    }

    /** The event's first record: its policy verdict, or its drop when it happened before the policy map. */
    public static Flow toFlow(VerdictEvent e, Instant time, String node, Naming naming) {
        if (e.sock() != null) {
            return sockFlow(e.sock(), time, node, naming);
        }
        boolean egress = e.direction() == VerdictEvent.DIRECTION_EGRESS;
        FlowRecords.Peer src = naming.peer(e.source(), e.sourceIdentity(), egress ? e.endpointId() : 0);
        FlowRecords.Peer dst = naming.peer(e.destination(), e.destinationIdentity(), egress ? 0 : e.endpointId());
        Flow flow;
        var verdict = e.toVerdict();
        if (verdict.isPresent()) {
            Verdict v = verdict.get();
            SubjectPolicyMap subject = naming.policyOf(e.localIdentity());
            List<String> policies = Prober.provenance(subject, v);
            long revision = subject == null ? 0 : subject.getPolicyRevision();
            flow = FlowRecords.policyVerdict(
                    time,
                    node,
                    v,
                    policies,
                    revision,
                    e.source(),
                    e.destination(),
                    e.protocol(),
                    e.sourcePort(),
                    e.destinationPort(),
                    src,
                    dst);
        } else {
            flow = drop(e, time, node, src, dst);
        }
        Layer4 l4 = layer4(e);
        return l4 == null ? flow : flow.toBuilder().setL4(l4).build();
    }

    /**
     * The packet's layer 4 as the kernel saw it: TCP with its flags, UDP and SCTP ports, ICMP and ICMPv6 type
     * and code (the echo identifier the event carries in place of ports is not Hubble's); null for another
     * protocol.
     */
    static Layer4 layer4(VerdictEvent e) {
        return switch (e.protocol()) {
            case IpProtocol.TCP ->
                Layer4.newBuilder()
                        .setTCP(TCP.newBuilder()
                                .setSourcePort(e.sourcePort())
                                .setDestinationPort(e.destinationPort())
                                .setFlags(tcpFlags(e.tcpFlags())))
                        .build();
            case IpProtocol.UDP ->
                Layer4.newBuilder()
                        .setUDP(UDP.newBuilder().setSourcePort(e.sourcePort()).setDestinationPort(e.destinationPort()))
                        .build();
            case IpProtocol.SCTP ->
                Layer4.newBuilder()
                        .setSCTP(
                                SCTP.newBuilder().setSourcePort(e.sourcePort()).setDestinationPort(e.destinationPort()))
                        .build();
            case IpProtocol.ICMP ->
                Layer4.newBuilder()
                        .setICMPv4(ICMPv4.newBuilder().setType(e.icmpType()).setCode(e.icmpCode()))
                        .build();
            case IpProtocol.ICMPV6 ->
                Layer4.newBuilder()
                        .setICMPv6(ICMPv6.newBuilder().setType(e.icmpType()).setCode(e.icmpCode()))
                        .build();
            default -> null;
        };
    }

    /**
     * A socket-LB event as Hubble's socket trace: Type SOCK, verdict TRANSLATED with the backend as destination
     * (address, port, endpoint) and the frontend's Service as {@code destination_service}; or, for a frontend
     * without backends, verdict DROPPED with reason 158 and the frontend as destination. The source is the
     * socket's endpoint (its network namespace's entry of tendril_lb_netns).
     */
    public static Flow sockFlow(SockEvent s, Instant time, String node, Naming naming) {
        boolean translated = s.translated();
        InetAddress to = translated ? s.backend() : s.frontend();
        int port = translated ? s.backendPort() : s.frontendPort();
        Flow.Builder f = Flow.newBuilder()
                .setTime(
                        Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()))
                .setUuid(UUID.randomUUID().toString())
                .setVerdict(
                        translated
                                ? dev.tendril.api.hubble.flow.Verdict.TRANSLATED
                                : dev.tendril.api.hubble.flow.Verdict.DROPPED)
                .setIP(IP.newBuilder()
                        .setDestination(IpcacheKey.format(to))
                        .setIpVersion(to instanceof Inet4Address ? IPVersion.IPv4 : IPVersion.IPv6))
                .setType(FlowType.SOCK)
                .setNodeName(node)
                .setEventType(CiliumEventType.newBuilder().setType(SockEvent.TYPE))
                .setSockXlatePoint(
                        SocketTranslationPoint.forNumber(s.xlatePoint()) == null
                                ? SocketTranslationPoint.SOCK_XLATE_POINT_UNKNOWN
                                : SocketTranslationPoint.forNumber(s.xlatePoint()))
                .setSocketCookie(s.socketCookie())
                .setSource(FlowRecords.endpoint(naming.localEndpoint(s.endpointId())))
                // A frontend is no endpoint: Hubble shows it as world, as its pre-translation trace does.
                .setDestination(FlowRecords.endpoint(naming.peer(to, translated ? 0 : WORLD_IDENTITY, 0)));
        if (!translated) {
            DropReason reason = DropReason.forNumber(s.dropReason());
            f.setDropReason(s.dropReason()).setDropReasonDesc(reason == null ? DropReason.DROP_REASON_UNKNOWN : reason);
        }
        naming.service(s.revNatIndex())
                .ifPresent(svc -> f.setDestinationService(
                        Service.newBuilder().setNamespace(svc.namespace()).setName(svc.name())));
        if (s.protocol() == IpProtocol.TCP) {
            f.setL4(Layer4.newBuilder().setTCP(TCP.newBuilder().setDestinationPort(port)));
        } else if (s.protocol() == IpProtocol.UDP) {
            f.setL4(Layer4.newBuilder().setUDP(UDP.newBuilder().setDestinationPort(port)));
        }
        return f.build();
    }

    private static Flow drop(VerdictEvent e, Instant time, String node, FlowRecords.Peer src, FlowRecords.Peer dst) {
        DropReason reason = DropReason.forNumber(e.dropReason());
        Flow.Builder f = Flow.newBuilder()
                .setTime(
                        Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()))
                .setUuid(UUID.randomUUID().toString())
                .setVerdict(dev.tendril.api.hubble.flow.Verdict.DROPPED)
                .setDropReason(e.dropReason())
                .setDropReasonDesc(reason == null ? DropReason.DROP_REASON_UNKNOWN : reason)
                .setIP(ip(e.source(), e.destination()))
                .setType(FlowType.L3_L4)
                .setNodeName(node)
                .setEventType(CiliumEventType.newBuilder()
                        .setType(FlowRecords.MESSAGE_TYPE_DROP)
                        .setSubType(e.dropReason()))
                .setTrafficDirection(
                        e.direction() == VerdictEvent.DIRECTION_EGRESS
                                ? TrafficDirection.EGRESS
                                : TrafficDirection.INGRESS)
                .setSource(FlowRecords.endpoint(src))
                .setDestination(FlowRecords.endpoint(dst));
        return f.build();
    }

    private static IP ip(InetAddress source, InetAddress destination) {
        return IP.newBuilder()
                .setSource(IpcacheKey.format(source))
                .setDestination(IpcacheKey.format(destination))
                .setIpVersion(source instanceof Inet4Address ? IPVersion.IPv4 : IPVersion.IPv6)
                .build();
    }

    static TCPFlags tcpFlags(int bits) {
        return TCPFlags.newBuilder()
                .setFIN((bits & 0x01) != 0)
                .setSYN((bits & 0x02) != 0)
                .setRST((bits & 0x04) != 0)
                .setPSH((bits & 0x08) != 0)
                .setACK((bits & 0x10) != 0)
                .setURG((bits & 0x20) != 0)
                .setECE((bits & 0x40) != 0)
                .setCWR((bits & 0x80) != 0)
                .build();
    }
}
