package dev.tendril.flows.domain;

import dev.tendril.net.IpAddress;

/**
 * A flow as a ring keeps it: the fields filters look at, shared {@link Peer}s and addresses, and the
 * flow's original serialized bytes (returned to clients unchanged, so nothing the agent sent is lost).
 * Codes follow Hubble's proto numbers: verdict ({@code flow.Verdict}), direction
 * ({@code flow.TrafficDirection}), protocol ({@code flow.Layer4} field: 1 TCP, 2 UDP, 3 ICMPv4, 4 ICMPv6,
 * 5 SCTP), ip version ({@code flow.IPVersion}); tcp flags as {@link TcpFlags} bits; reply 0 unknown,
 * 1 no, 2 yes. {@code offset} is the flow's Kafka offset in its partition, -1 when not from Kafka.
 */
public final class StoredFlow implements FlowView {

    public final long timeNanos;
    public final long offset;
    public final String node;
    public final Peer source;
    public final Peer destination;
    public final IpAddress sourceIp;
    public final IpAddress destinationIp;
    public final int sourcePort;
    public final int destinationPort;
    public final byte protocol;
    public final byte verdict;
    public final byte direction;
    public final byte reply;
    public final byte ipVersion;
    public final short tcpFlags;
    public final FlowDetails details;
    private final byte[] payload;

    public StoredFlow(
            long timeNanos,
            long offset,
            String node,
            Peer source,
            Peer destination,
            IpAddress sourceIp,
            IpAddress destinationIp,
            int sourcePort,
            int destinationPort,
            int protocol,
            int verdict,
            int direction,
            int reply,
            int ipVersion,
            int tcpFlags,
            byte[] payload) {
        this(
                timeNanos,
                offset,
                node,
                source,
                destination,
                sourceIp,
                destinationIp,
                sourcePort,
                destinationPort,
                protocol,
                verdict,
                direction,
                reply,
                ipVersion,
                tcpFlags,
                FlowDetails.NONE,
                payload);
    }

    public StoredFlow(
            long timeNanos,
            long offset,
            String node,
            Peer source,
            Peer destination,
            IpAddress sourceIp,
            IpAddress destinationIp,
            int sourcePort,
            int destinationPort,
            int protocol,
            int verdict,
            int direction,
            int reply,
            int ipVersion,
            int tcpFlags,
            FlowDetails details,
            byte[] payload) {
        this.timeNanos = timeNanos;
        this.offset = offset;
        this.node = node;
        this.source = source;
        this.destination = destination;
        this.sourceIp = sourceIp;
        this.destinationIp = destinationIp;
        this.sourcePort = sourcePort;
        this.destinationPort = destinationPort;
        this.protocol = (byte) protocol;
        this.verdict = (byte) verdict;
        this.direction = (byte) direction;
        this.reply = (byte) reply;
        this.ipVersion = (byte) ipVersion;
        this.tcpFlags = (short) tcpFlags;
        this.details = details;
        this.payload = payload;
    }

    @Override
    public long timeNanos() {
        return timeNanos;
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public Peer source() {
        return source;
    }

    @Override
    public Peer destination() {
        return destination;
    }

    @Override
    public IpAddress sourceIp() {
        return sourceIp;
    }

    @Override
    public IpAddress destinationIp() {
        return destinationIp;
    }

    @Override
    public int sourcePort() {
        return sourcePort;
    }

    @Override
    public int destinationPort() {
        return destinationPort;
    }

    @Override
    public int protocol() {
        return protocol;
    }

    @Override
    public int verdict() {
        return verdict;
    }

    @Override
    public int direction() {
        return direction;
    }

    @Override
    public int reply() {
        return reply;
    }

    @Override
    public int ipVersion() {
        return ipVersion;
    }

    @Override
    public int tcpFlags() {
        return tcpFlags;
    }

    @Override
    public FlowDetails details() {
        return details;
    }

    /** The serialized flow exactly as ingested. Callers must not modify it. */
    public byte[] payload() {
        return payload;
    }

    @Override
    public String toString() {
        return "StoredFlow[" + node + " @" + timeNanos + " " + source.namespace() + "/" + source.pod() + " -> "
                + destination.namespace() + "/" + destination.pod() + ":" + destinationPort + " verdict=" + verdict
                + "]";
    }
}
