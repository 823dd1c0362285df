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
        List<Integer> ipVersion) {

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
                    ipVersion);
        }

        public boolean isEmpty() {
            return build().equals(EMPTY);
        }
    }
}
