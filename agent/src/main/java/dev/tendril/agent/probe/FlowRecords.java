package dev.tendril.agent.probe;

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
import dev.tendril.api.hubble.flow.SCTP;
import dev.tendril.api.hubble.flow.TCP;
import dev.tendril.api.hubble.flow.TCPFlags;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.api.hubble.flow.UDP;
import dev.tendril.api.v1.Identity;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/** Hubble {@code flow.Flow} records of policy verdicts, as a node's Hubble observer would show them. */
public final class FlowRecords {

    /**
     * Cilium's monitor message type of a policy verdict ({@code MessageTypePolicyVerdict} in
     * pkg/monitor/api/types.go, {@code CILIUM_NOTIFY_POLICY_VERDICT} in bpf/lib/notify.h).
     */
    public static final int MESSAGE_TYPE_POLICY_VERDICT = 5;
    /**
     * {@code MessageTypeDrop} ({@code CILIUM_NOTIFY_DROP}): Cilium sends one for every dropped packet, after
     * the policy verdict notification of a packet dropped by policy; its sub-type is the drop reason.
     */
    public static final int MESSAGE_TYPE_DROP = 1;

    private static final Map<Long, String> RESERVED = Map.of(
            1L,
            "reserved:host",
            2L,
            "reserved:world",
            3L,
            "reserved:unmanaged",
            4L,
            "reserved:health",
            5L,
            "reserved:init",
            6L,
            "reserved:remote-node",
            7L,
            "reserved:kube-apiserver",
            8L,
            "reserved:ingress",
            9L,
            "reserved:world-ipv4",
            10L,
            "reserved:world-ipv6");

    private FlowRecords() {}

    /**
     * One end of a flow.
     *
     * @param endpointId the endpoint's id when it is an endpoint of the observing node, else 0
     * @param namespace empty for an address that is no endpoint
     */
    public record Peer(int endpointId, long identity, String namespace, String pod, List<String> labels) {}

    /**
     * The policy verdict a node observes for a packet at one of its endpoints.
     *
     * @param policies {@code Kind/namespace/name} (or {@code Kind/name}) behind the verdict
     * @param policyRevision the policy store revision the subject's map was compiled from
     */
    public static Flow policyVerdict(
            Instant time,
            String node,
            Verdict v,
            List<String> policies,
            long policyRevision,
            InetAddress source,
            InetAddress destination,
            int protocol,
            int sourcePort,
            int destinationPort,
            Peer src,
            Peer dst) {
        Flow.Builder f = Flow.newBuilder()
                .setTime(
                        Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()))
                .setUuid(UUID.randomUUID().toString())
                .setVerdict(
                        v.forwarded()
                                ? dev.tendril.api.hubble.flow.Verdict.FORWARDED
                                : dev.tendril.api.hubble.flow.Verdict.DROPPED)
                .setIP(IP.newBuilder()
                        .setSource(IpcacheKey.format(source))
                        .setDestination(IpcacheKey.format(destination))
                        .setIpVersion(source instanceof Inet4Address ? IPVersion.IPv4 : IPVersion.IPv6))
                .setL4(layer4(protocol, sourcePort, destinationPort))
                .setSource(endpoint(src))
                .setDestination(endpoint(dst))
                .setType(FlowType.L3_L4)
                .setNodeName(node)
                .setEventType(CiliumEventType.newBuilder().setType(MESSAGE_TYPE_POLICY_VERDICT))
                .setTrafficDirection(
                        v.direction() == Direction.INGRESS ? TrafficDirection.INGRESS : TrafficDirection.EGRESS)
                .setPolicyMatchType(v.matchType().hubbleValue());
        if (v.forwarded()) {
            // Cilium's parser: a forwarded policy verdict is the first packet of a connection, so no reply;
            // of a drop it does not know, and leaves is_reply unset.
            f.setIsReply(BoolValue.of(false));
        } else {
            DropReason reason = DropReason.forNumber(v.dropReason().code());
            f.setDropReason(v.dropReason().code());
            f.setDropReasonDesc(reason == null ? DropReason.DROP_REASON_UNKNOWN : reason);
        }
        List<Policy> attributed =
                policies.stream().map(p -> policy(p, policyRevision)).toList();
        boolean ingress = v.direction() == Direction.INGRESS;
        if (v.forwarded()) {
            if (ingress) {
                f.addAllIngressAllowedBy(attributed);
            } else {
                f.addAllEgressAllowedBy(attributed);
            }
        } else if (v.dropReason() == dev.tendril.datapath.DropReason.POLICY_DENY) {
            // Cilium fills *_denied_by only for a deny rule's drop; a default deny was decided by no rule.
            if (ingress) {
                f.addAllIngressDeniedBy(attributed);
            } else {
                f.addAllEgressDeniedBy(attributed);
            }
        }
        return f.build();
    }

    /**
     * The records Cilium's datapath sends for one packet's policy decision: the policy verdict
     * notification, then, when the packet was dropped, the drop notification.
     */
    public static List<Flow> policyDecision(Flow policyVerdict) {
        if (policyVerdict.getVerdict() != dev.tendril.api.hubble.flow.Verdict.DROPPED) {
            return List.of(policyVerdict);
        }
        return List.of(policyVerdict, dropOf(policyVerdict));
    }

    /**
     * The drop notification of a packet whose policy verdict is {@code policyVerdict}: the same packet and
     * ends, event type 1 with the drop reason as sub-type, and none of what only a policy verdict carries
     * (match type, the policies, is_reply).
     */
    public static Flow dropOf(Flow policyVerdict) {
        return policyVerdict.toBuilder()
                .setUuid(UUID.randomUUID().toString())
                .setEventType(CiliumEventType.newBuilder()
                        .setType(MESSAGE_TYPE_DROP)
                        .setSubType(policyVerdict.getDropReason()))
                .setPolicyMatchType(0)
                .clearIsReply()
                .clearIngressAllowedBy()
                .clearEgressAllowedBy()
                .clearIngressDeniedBy()
                .clearEgressDeniedBy()
                .build();
    }

    private static Layer4 layer4(int protocol, int sourcePort, int destinationPort) {
        return switch (protocol) {
            case IpProtocol.UDP ->
                Layer4.newBuilder()
                        .setUDP(UDP.newBuilder().setSourcePort(sourcePort).setDestinationPort(destinationPort))
                        .build();
            case IpProtocol.SCTP ->
                Layer4.newBuilder()
                        .setSCTP(SCTP.newBuilder().setSourcePort(sourcePort).setDestinationPort(destinationPort))
                        .build();
            // A probe is the first packet of a connection.
            default ->
                Layer4.newBuilder()
                        .setTCP(TCP.newBuilder()
                                .setSourcePort(sourcePort)
                                .setDestinationPort(destinationPort)
                                .setFlags(TCPFlags.newBuilder().setSYN(true)))
                        .build();
        };
    }

    private static Endpoint endpoint(Peer p) {
        return Endpoint.newBuilder()
                .setID(p.endpointId())
                .setIdentity((int) p.identity())
                .setNamespace(p.namespace() == null ? "" : p.namespace())
                .setPodName(p.pod() == null ? "" : p.pod())
                .addAllLabels(p.labels())
                .build();
    }

    /**
     * {@code Kind/namespace/name} (or {@code Kind/name} for a cluster-wide policy) as Hubble's Policy, with
     * the {@code io.cilium.k8s.policy.*} labels Cilium derives from it.
     */
    static Policy policy(String ref, long revision) {
        String[] parts = ref.split("/", 3);
        String kind = parts.length > 1 ? parts[0] : "";
        String namespace = parts.length == 3 ? parts[1] : "";
        String name = parts[parts.length - 1];
        Policy.Builder b = Policy.newBuilder()
                .setKind(kind)
                .setNamespace(namespace)
                .setName(name)
                .setRevision(revision);
        b.addLabels("k8s:io.cilium.k8s.policy.derived-from=" + kind);
        b.addLabels("k8s:io.cilium.k8s.policy.name=" + name);
        if (!namespace.isEmpty()) {
            b.addLabels("k8s:io.cilium.k8s.policy.namespace=" + namespace);
        }
        return b.build();
    }

    /**
     * Labels in {@code source:key=value} form: the identity's (security-relevant) labels when the image has
     * the identity, the reserved label of a reserved identity, else the pod's own labels as {@code k8s:}.
     */
    public static List<String> labels(long identity, Identity known, Map<String, String> podLabels, String namespace) {
        List<String> out = new ArrayList<>();
        if (known != null) {
            known.getLabelsList().forEach(l -> out.add(l.getSource() + ":" + l.getKey() + "=" + l.getValue()));
        } else if (RESERVED.containsKey(identity)) {
            out.add(RESERVED.get(identity));
        } else if (podLabels != null && !podLabels.isEmpty()) {
            new TreeMap<>(podLabels).forEach((k, v) -> out.add("k8s:" + k + "=" + v));
            if (namespace != null && !namespace.isEmpty()) {
                out.add("k8s:io.kubernetes.pod.namespace=" + namespace);
            }
        }
        return out;
    }
}
