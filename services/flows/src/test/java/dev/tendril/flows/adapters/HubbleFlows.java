package dev.tendril.flows.adapters;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Timestamp;
import dev.tendril.api.hubble.flow.CiliumEventType;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Endpoint;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.FlowType;
import dev.tendril.api.hubble.flow.IP;
import dev.tendril.api.hubble.flow.IPVersion;
import dev.tendril.api.hubble.flow.Layer4;
import dev.tendril.api.hubble.flow.Policy;
import dev.tendril.api.hubble.flow.TCP;
import dev.tendril.api.hubble.flow.TCPFlags;
import dev.tendril.api.hubble.flow.TraceObservationPoint;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.api.hubble.flow.UDP;
import dev.tendril.api.hubble.flow.Verdict;
import java.time.Instant;

/** {@code flow.Flow} messages as an agent would produce them, for tests and benchmarks. */
public final class HubbleFlows {

    private HubbleFlows() {}

    public static Endpoint pod(String namespace, String pod, int identity, String app) {
        return Endpoint.newBuilder()
                .setNamespace(namespace)
                .setPodName(pod)
                .setIdentity(identity)
                .addLabels("k8s:app=" + app)
                .addLabels("k8s:io.kubernetes.pod.namespace=" + namespace)
                .build();
    }

    public static Endpoint world() {
        return Endpoint.newBuilder().setIdentity(2).addLabels("reserved:world").build();
    }

    public static Timestamp time(Instant instant) {
        return Timestamp.newBuilder()
                .setSeconds(instant.getEpochSecond())
                .setNanos(instant.getNano())
                .build();
    }

    /** A forwarded TCP SYN traced to the destination endpoint. */
    public static Flow.Builder forwarded(
            Instant at, String node, Endpoint src, String srcIp, int sport, Endpoint dst, String dstIp, int dport) {
        return Flow.newBuilder()
                .setTime(time(at))
                .setNodeName(node)
                .setVerdict(Verdict.FORWARDED)
                .setType(FlowType.L3_L4)
                .setEventType(CiliumEventType.newBuilder().setType(4))
                .setTraceObservationPoint(TraceObservationPoint.TO_ENDPOINT)
                .setIP(IP.newBuilder().setSource(srcIp).setDestination(dstIp).setIpVersion(IPVersion.IPv4))
                .setL4(Layer4.newBuilder()
                        .setTCP(TCP.newBuilder()
                                .setSourcePort(sport)
                                .setDestinationPort(dport)
                                .setFlags(TCPFlags.newBuilder().setSYN(true))))
                .setSource(src)
                .setDestination(dst)
                .setTrafficDirection(TrafficDirection.INGRESS)
                .setIsReply(BoolValue.of(false));
    }

    /** A TCP SYN dropped at ingress by a NetworkPolicy, naming it. */
    public static Flow.Builder denied(
            Instant at,
            String node,
            Endpoint src,
            String srcIp,
            int sport,
            Endpoint dst,
            String dstIp,
            int dport,
            String policyNamespace,
            String policyName) {
        return forwarded(at, node, src, srcIp, sport, dst, dstIp, dport)
                .setVerdict(Verdict.DROPPED)
                .setEventType(CiliumEventType.newBuilder().setType(1).setSubType(133))
                .setTraceObservationPoint(TraceObservationPoint.UNKNOWN_POINT)
                .setDropReason(133)
                .setDropReasonDesc(DropReason.POLICY_DENIED)
                .addIngressDeniedBy(Policy.newBuilder()
                        .setKind("NetworkPolicy")
                        .setNamespace(policyNamespace)
                        .setName(policyName)
                        .setRevision(3));
    }

    public static Flow.Builder dns(Instant at, String node, Endpoint src, String srcIp, Endpoint dst, String dstIp) {
        return forwarded(at, node, src, srcIp, 41000, dst, dstIp, 53)
                .setL4(Layer4.newBuilder()
                        .setUDP(UDP.newBuilder().setSourcePort(41000).setDestinationPort(53)))
                .setTrafficDirection(TrafficDirection.EGRESS);
    }
}
