package dev.tendril.flows.domain;

import java.util.List;

/**
 * One Hubble {@code flow.FlowFilter} in domain terms: every non-empty field must match (AND), values
 * inside a field are alternatives (OR). Verdicts, directions and IP versions are proto numbers, TCP
 * flags {@link TcpFlags} masks; the rest is text exactly as the client sent it, validated by
 * {@link FlowSelection#compile}. Field names in errors are the proto's ({@code whitelist[0].source_ip}).
 */
public record FilterSpec(
        List<String> sourcePod,
        List<String> destinationPod,
        List<String> sourceLabel,
        List<String> destinationLabel,
        List<String> sourceIp,
        List<String> destinationIp,
        List<Integer> sourceIdentity,
        List<Integer> destinationIdentity,
        List<Integer> verdict,
        List<String> protocol,
        List<String> sourcePort,
        List<String> destinationPort,
        List<Integer> trafficDirection,
        List<String> nodeName,
        List<Integer> tcpFlags,
        List<Boolean> reply,
        List<Integer> ipVersion,
        List<EventType> eventType,
        List<Integer> dropReason,
        List<String> uuid,
        List<String> sourceFqdn,
        List<String> destinationFqdn,
        List<Peer.Workload> sourceWorkload,
        List<Peer.Workload> destinationWorkload,
        List<String> sourceCluster,
        List<String> destinationCluster,
        List<String> nodeLabels,
        List<String> refused) {

    /**
     * One {@code flow.EventTypeFilter}: Cilium's monitor message type, and the sub-type when
     * {@code matchSubType}.
     */
    public record EventType(int type, boolean matchSubType, int subType) {}

    public static final FilterSpec EMPTY = builder().build();

    public FilterSpec {
        sourcePod = List.copyOf(sourcePod);
        destinationPod = List.copyOf(destinationPod);
        sourceLabel = List.copyOf(sourceLabel);
        destinationLabel = List.copyOf(destinationLabel);
        sourceIp = List.copyOf(sourceIp);
        destinationIp = List.copyOf(destinationIp);
        sourceIdentity = List.copyOf(sourceIdentity);
        destinationIdentity = List.copyOf(destinationIdentity);
        verdict = List.copyOf(verdict);
        protocol = List.copyOf(protocol);
        sourcePort = List.copyOf(sourcePort);
        destinationPort = List.copyOf(destinationPort);
        trafficDirection = List.copyOf(trafficDirection);
        nodeName = List.copyOf(nodeName);
        tcpFlags = List.copyOf(tcpFlags);
        reply = List.copyOf(reply);
        ipVersion = List.copyOf(ipVersion);
        eventType = List.copyOf(eventType);
        dropReason = List.copyOf(dropReason);
        uuid = List.copyOf(uuid);
        sourceFqdn = List.copyOf(sourceFqdn);
        destinationFqdn = List.copyOf(destinationFqdn);
        sourceWorkload = List.copyOf(sourceWorkload);
        destinationWorkload = List.copyOf(destinationWorkload);
        sourceCluster = List.copyOf(sourceCluster);
        destinationCluster = List.copyOf(destinationCluster);
        nodeLabels = List.copyOf(nodeLabels);
        refused = List.copyOf(refused);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.sourcePod.addAll(sourcePod);
        b.destinationPod.addAll(destinationPod);
        b.sourceLabel.addAll(sourceLabel);
        b.destinationLabel.addAll(destinationLabel);
        b.sourceIp.addAll(sourceIp);
        b.destinationIp.addAll(destinationIp);
        b.sourceIdentity.addAll(sourceIdentity);
        b.destinationIdentity.addAll(destinationIdentity);
        b.verdict.addAll(verdict);
        b.protocol.addAll(protocol);
        b.sourcePort.addAll(sourcePort);
        b.destinationPort.addAll(destinationPort);
        b.trafficDirection.addAll(trafficDirection);
        b.nodeName.addAll(nodeName);
        b.tcpFlags.addAll(tcpFlags);
        b.reply.addAll(reply);
        b.ipVersion.addAll(ipVersion);
        b.eventType.addAll(eventType);
        b.dropReason.addAll(dropReason);
        b.uuid.addAll(uuid);
        b.sourceFqdn.addAll(sourceFqdn);
        b.destinationFqdn.addAll(destinationFqdn);
        b.sourceWorkload.addAll(sourceWorkload);
        b.destinationWorkload.addAll(destinationWorkload);
        b.sourceCluster.addAll(sourceCluster);
        b.destinationCluster.addAll(destinationCluster);
        b.nodeLabels.addAll(nodeLabels);
        b.refused.addAll(refused);
        return b;
    }

    /** Mutable, for adapters translating request parameters. */
    public static final class Builder {
        public final List<String> sourcePod = new java.util.ArrayList<>();
        public final List<String> destinationPod = new java.util.ArrayList<>();
        public final List<String> sourceLabel = new java.util.ArrayList<>();
        public final List<String> destinationLabel = new java.util.ArrayList<>();
        public final List<String> sourceIp = new java.util.ArrayList<>();
        public final List<String> destinationIp = new java.util.ArrayList<>();
        public final List<Integer> sourceIdentity = new java.util.ArrayList<>();
        public final List<Integer> destinationIdentity = new java.util.ArrayList<>();
        public final List<Integer> verdict = new java.util.ArrayList<>();
        public final List<String> protocol = new java.util.ArrayList<>();
        public final List<String> sourcePort = new java.util.ArrayList<>();
        public final List<String> destinationPort = new java.util.ArrayList<>();
        public final List<Integer> trafficDirection = new java.util.ArrayList<>();
        public final List<String> nodeName = new java.util.ArrayList<>();
        public final List<Integer> tcpFlags = new java.util.ArrayList<>();
        public final List<Boolean> reply = new java.util.ArrayList<>();
        public final List<Integer> ipVersion = new java.util.ArrayList<>();
        public final List<EventType> eventType = new java.util.ArrayList<>();
        public final List<Integer> dropReason = new java.util.ArrayList<>();
        public final List<String> uuid = new java.util.ArrayList<>();
        public final List<String> sourceFqdn = new java.util.ArrayList<>();
        public final List<String> destinationFqdn = new java.util.ArrayList<>();
        public final List<Peer.Workload> sourceWorkload = new java.util.ArrayList<>();
        public final List<Peer.Workload> destinationWorkload = new java.util.ArrayList<>();
        public final List<String> sourceCluster = new java.util.ArrayList<>();
        public final List<String> destinationCluster = new java.util.ArrayList<>();
        public final List<String> nodeLabels = new java.util.ArrayList<>();
        public final List<String> refused = new java.util.ArrayList<>();

        public FilterSpec build() {
            return new FilterSpec(
                    sourcePod,
                    destinationPod,
                    sourceLabel,
                    destinationLabel,
                    sourceIp,
                    destinationIp,
                    sourceIdentity,
                    destinationIdentity,
                    verdict,
                    protocol,
                    sourcePort,
                    destinationPort,
                    trafficDirection,
                    nodeName,
                    tcpFlags,
                    reply,
                    ipVersion,
                    eventType,
                    dropReason,
                    uuid,
                    sourceFqdn,
                    destinationFqdn,
                    sourceWorkload,
                    destinationWorkload,
                    sourceCluster,
                    destinationCluster,
                    nodeLabels,
                    refused);
        }

        public boolean isEmpty() {
            return build().equals(EMPTY);
        }
    }
}
