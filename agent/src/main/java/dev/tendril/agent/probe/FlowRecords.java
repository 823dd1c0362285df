package dev.tendril.agent.probe;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Timestamp;
import dev.tendril.agent.state.NodeImage;
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

/**
 * Hubble {@code flow.Flow} records of policy decisions (a policy verdict, and a drop after a policy drop), with
 * what Hubble's parser fills (summary, emitter, node labels, the ends' cluster and workloads), as a node's
 * Hubble observer would show them.
 */
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

    /** The identity label carrying the cluster's name ({@code io.cilium.k8s.policy.cluster}). */
    static final String CLUSTER_LABEL = "k8s:io.cilium.k8s.policy.cluster=";
    /** Cilium's cluster name when none is configured. */
    public static final String DEFAULT_CLUSTER = "default";
    /** Tendril's key in a flow's {@code extensions}: the policies that make a default-deny drop's subject deny. */
    public static final String DEFAULT_DENY_ENFORCED_BY = "default_deny_enforced_by";

    /**
     * One end of a flow.
     *
     * @param endpointId the endpoint's id when it is an endpoint of the observing node, else 0
     * @param namespace empty for an address that is no endpoint
     * @param cluster the cluster of an endpoint whose labels do not name it, else empty
     * @param workloads the pod's controllers as Hubble names them ({@link #workloads})
     */
    public record Peer(
            int endpointId,
            long identity,
            String namespace,
            String pod,
            List<String> labels,
            String cluster,
            List<Workload> workloads) {

        public Peer(int endpointId, long identity, String namespace, String pod, List<String> labels) {
            this(endpointId, identity, namespace, pod, labels, "", List.of());
        }
    }

    /** Hubble's {@code flow.Workload}: the controller that owns a pod, e.g. Deployment {@code web}. */
    public record Workload(String kind, String name) {}

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
        } else if (!policies.isEmpty()) {
            // A default deny: no rule denied the packet. Which policies made the subject default-deny goes
            // in Tendril's extension, where nothing reads it as "denied by".
            UpstreamFields.setExtensions(f, UpstreamFields.struct(DEFAULT_DENY_ENFORCED_BY, policies));
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
        Flow.Builder drop = policyVerdict.toBuilder()
                .setUuid(UUID.randomUUID().toString())
                .setEventType(CiliumEventType.newBuilder()
                        .setType(MESSAGE_TYPE_DROP)
                        .setSubType(policyVerdict.getDropReason()))
                .setPolicyMatchType(0)
                .clearIsReply()
                .clearIngressAllowedBy()
                .clearEgressAllowedBy()
                .clearIngressDeniedBy()
                .clearEgressDeniedBy();
        UpstreamFields.clearExtensions(drop);
        return drop.build();
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

    /**
     * Hubble's endpoint of a peer: its cluster is the identity's {@code io.cilium.k8s.policy.cluster} label,
     * else the peer's own (reserved identities and unknown addresses have none, as in Cilium).
     */
    public static Endpoint endpoint(Peer p) {
        Endpoint.Builder e = Endpoint.newBuilder()
                .setID(p.endpointId())
                .setIdentity((int) p.identity())
                .setNamespace(p.namespace() == null ? "" : p.namespace())
                .setPodName(p.pod() == null ? "" : p.pod())
                .addAllLabels(p.labels());
        String cluster = p.labels().stream()
                .filter(l -> l.startsWith(CLUSTER_LABEL))
                .map(l -> l.substring(CLUSTER_LABEL.length()))
                .findFirst()
                .orElse(p.cluster() == null ? "" : p.cluster());
        UpstreamFields.setClusterName(e, cluster);
        UpstreamFields.setWorkloads(e, p.workloads());
        return e.build();
    }

    /** The cluster of a node's endpoints: the node's as tendril.nodes has it, else Cilium's default. */
    public static String clusterOf(NodeImage image, String node) {
        var n = node == null ? null : image.nodes().get(node);
        return n == null || n.getCluster().isEmpty() ? DEFAULT_CLUSTER : n.getCluster();
    }

    /**
     * A pod's controller as Hubble names it, derived from what Kubernetes' controllers put in the pod's name
     * and labels (Tendril keeps no owner references): {@code pod-template-hash} and a name
     * {@code <d>-<hash>-<suffix>} give Deployment {@code d}; {@code statefulset.kubernetes.io/pod-name} and
     * {@code <s>-<ordinal>} StatefulSet {@code s}; {@code controller-revision-hash} with
     * {@code pod-template-generation} and {@code <ds>-<suffix>} DaemonSet {@code ds};
     * {@code batch.kubernetes.io/job-name} (or {@code job-name}) Job. None otherwise.
     */
    public static List<Workload> workloads(String pod, Map<String, String> podLabels) {
        if (pod == null || pod.isEmpty() || podLabels == null || podLabels.isEmpty()) {
            return List.of();
        }
        String hash = podLabels.get("pod-template-hash");
        if (hash != null && pod.contains("-" + hash + "-")) {
            String replicaSet = pod.substring(0, pod.lastIndexOf("-" + hash + "-"));
            return replicaSet.isEmpty() ? List.of() : List.of(new Workload("Deployment", replicaSet));
        }
        if (podLabels.containsKey("statefulset.kubernetes.io/pod-name") && pod.matches(".+-\\d+")) {
            return List.of(new Workload("StatefulSet", pod.substring(0, pod.lastIndexOf('-'))));
        }
        if (podLabels.containsKey("controller-revision-hash")
                && podLabels.containsKey("pod-template-generation")
                && pod.lastIndexOf('-') > 0) {
            return List.of(new Workload("DaemonSet", pod.substring(0, pod.lastIndexOf('-'))));
        }
        String job = podLabels.getOrDefault("batch.kubernetes.io/job-name", podLabels.get("job-name"));
        if (job != null && !job.isEmpty()) {
            return List.of(new Workload("Job", job));
        }
        return List.of();
    }

    /**
     * What Hubble's parser adds to every flow of a node: the {@code Summary} of its L4 header
     * ({@code TCP Flags: SYN}, {@code UDP}, ...), the emitter ({@code Hubble} and the agent's version) and
     * the node's labels.
     */
    public static Flow finished(Flow flow, String version, List<String> nodeLabels) {
        Flow.Builder f = flow.toBuilder();
        UpstreamFields.setSummary(f, summary(flow.getL4()));
        UpstreamFields.setEmitter(f, UpstreamFields.EMITTER_NAME, version);
        UpstreamFields.setNodeLabels(f, nodeLabels);
        return f.build();
    }

    /** Hubble's summary of an L4 header ({@code decodeLayers} in pkg/hubble/parser/threefour). */
    static String summary(Layer4 l4) {
        return switch (l4.getProtocolCase()) {
            case TCP -> "TCP Flags: " + tcpFlags(l4.getTCP().getFlags());
            case UDP -> "UDP";
            case SCTP -> "SCTP";
            case ICMPV4 ->
                "ICMPv4 " + icmpv4(l4.getICMPv4().getType(), l4.getICMPv4().getCode());
            case ICMPV6 ->
                "ICMPv6 " + icmpv6(l4.getICMPv6().getType(), l4.getICMPv6().getCode());
            default -> "";
        };
    }

    private static String tcpFlags(TCPFlags f) {
        List<String> set = new ArrayList<>();
        if (f.getSYN()) set.add("SYN");
        if (f.getACK()) set.add("ACK");
        if (f.getRST()) set.add("RST");
        if (f.getFIN()) set.add("FIN");
        if (f.getPSH()) set.add("PSH");
        if (f.getURG()) set.add("URG");
        if (f.getECE()) set.add("ECE");
        if (f.getCWR()) set.add("CWR");
        if (f.getNS()) set.add("NS");
        return String.join(", ", set);
    }

    /** gopacket's {@code ICMPv4TypeCode.String()} for the types a probe or a pod sends. */
    private static String icmpv4(int type, int code) {
        return switch (type) {
            case 0 -> "EchoReply";
            case 8 -> "EchoRequest";
            case 3 -> "DestinationUnreachable(" + code + ")";
            case 11 -> "TimeExceeded(" + code + ")";
            default -> type + "(" + code + ")";
        };
    }

    private static String icmpv6(int type, int code) {
        return switch (type) {
            case 128 -> "EchoRequest";
            case 129 -> "EchoReply";
            case 1 -> "DestinationUnreachable(" + code + ")";
            case 3 -> "TimeExceeded(" + code + ")";
            default -> type + "(" + code + ")";
        };
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
