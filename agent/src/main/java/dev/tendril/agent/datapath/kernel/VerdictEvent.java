package dev.tendril.agent.datapath.kernel;

import dev.tendril.datapath.DropReason;
import dev.tendril.datapath.MatchType;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;

/**
 * One record of the {@code tendril_events} ring buffer, {@code struct verdict_event} in
 * src/main/bpf/lib/types.h, 96 bytes, host order (little-endian) unless noted; a record of type 7 is a
 * {@link SockEvent} instead, carried as {@link #sock} (null for the others):
 *
 * <pre>
 * offset size field
 *  0     8    timestamp_ns      CLOCK_MONOTONIC (bpf_ktime_get_ns)
 *  8     1    type              1 drop, 5 policy verdict (Cilium's CILIUM_NOTIFY_*)
 *  9     1    verdict           1 forwarded, 2 dropped (Hubble flow.Verdict)
 * 10     1    drop_reason       0, or Cilium's drop reason: 133, 181, 189, 132, 134, 152, 155, 165
 * 11     1    direction         1 ingress (to-container), 2 egress (from-container)
 * 12     1    match_type        POLICY_MATCH_* (Hubble policy_match_type)
 * 13     1    ip_version        4 or 6
 * 14     1    protocol          IP protocol
 * 15     1    tcp_flags         the TCP header's flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10, ...)
 * 16     2    sport             host order; ICMP echo: the identifier of a request
 * 18     2    dport             host order; ICMP echo: the identifier of a reply
 * 20     4    ifindex           the host-side veth
 * 24     4    endpoint_id       the local endpoint
 * 28     4    src_identity
 * 32     4    dst_identity
 * 36     1    ct_status         0 new, 1 established, 2 reply, 3 related
 * 37     1    icmp_type         ICMP and ICMPv6: the header's type; 0 for other protocols
 * 38     1    icmp_code         ICMP and ICMPv6: the header's code
 * 39     1    pad
 * 40     4    policy_identity   identity of the deciding policy key (the remote identity, or 0)
 * 44    12    policy            the deciding policy map value (PolicyMapValue layout), zero without one
 * 56    16    saddr             network order; IPv4 in the first 4 bytes
 * 72    16    daddr
 * 88     4    length            packet length
 * 92     4    pad
 * </pre>
 */
public record VerdictEvent(
        long timestampNs,
        int type,
        int verdict,
        int dropReason,
        int direction,
        int matchType,
        int protocol,
        int tcpFlags,
        int sourcePort,
        int destinationPort,
        int ifindex,
        int endpointId,
        long sourceIdentity,
        long destinationIdentity,
        int ctStatus,
        long policyIdentity,
        PolicyMapValue policyValue,
        InetAddress source,
        InetAddress destination,
        long length,
        int icmpType,
        int icmpCode,
        SockEvent sock) {

    public static final int SIZE = 96;
    public static final int TYPE_DROP = 1;
    public static final int TYPE_POLICY_VERDICT = 5;
    /** A socket load-balancing event ({@link SockEvent}, Cilium's CILIUM_NOTIFY_TRACE_SOCK). */
    public static final int TYPE_TRACE_SOCK = 7;

    public static final int VERDICT_FORWARDED = 1;
    public static final int VERDICT_DROPPED = 2;
    public static final int DIRECTION_INGRESS = 1;
    public static final int DIRECTION_EGRESS = 2;

    public static VerdictEvent decode(byte[] bytes) {
        if (bytes == null || bytes.length < SIZE) {
            throw new IllegalArgumentException(
                    "a verdict event is " + SIZE + " bytes, got " + (bytes == null ? "null" : bytes.length));
        }
        if ((bytes[8] & 0xFF) == TYPE_TRACE_SOCK) {
            return ofSock(SockEvent.decode(bytes));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long ts = b.getLong(0);
        int type = u8(b, 8);
        int verdict = u8(b, 9);
        int reason = u8(b, 10);
        int direction = u8(b, 11);
        int match = u8(b, 12);
        int version = u8(b, 13);
        int protocol = u8(b, 14);
        int flags = u8(b, 15);
        int sport = b.getShort(16) & 0xFFFF;
        int dport = b.getShort(18) & 0xFFFF;
        int ifindex = b.getInt(20);
        int endpoint = b.getInt(24);
        long src = Integer.toUnsignedLong(b.getInt(28));
        long dst = Integer.toUnsignedLong(b.getInt(32));
        int ct = u8(b, 36);
        int icmpType = u8(b, 37);
        int icmpCode = u8(b, 38);
        long policyIdentity = Integer.toUnsignedLong(b.getInt(40));
        PolicyMapValue value = match == 0 ? null : PolicyMapValue.decode(Arrays.copyOfRange(bytes, 44, 56));
        int len = version == 4 ? 4 : 16;
        InetAddress saddr = address(Arrays.copyOfRange(bytes, 56, 56 + len));
        InetAddress daddr = address(Arrays.copyOfRange(bytes, 72, 72 + len));
        long length = Integer.toUnsignedLong(b.getInt(88));
        return new VerdictEvent(
                ts,
                type,
                verdict,
                reason,
                direction,
                match,
                protocol,
                flags,
                sport,
                dport,
                ifindex,
                endpoint,
                src,
                dst,
                ct,
                policyIdentity,
                value,
                saddr,
                daddr,
                length,
                icmpType,
                icmpCode,
                null);
    }

    /**
     * A socket-LB event as a record of this ring: source the frontend, destination the backend (their ports
     * likewise), the socket's endpoint, no identities; {@link #sock} has the rest.
     */
    public static VerdictEvent ofSock(SockEvent s) {
        return new VerdictEvent(
                s.timestampNs(),
                TYPE_TRACE_SOCK,
                s.translated() ? SockEvent.VERDICT_TRANSLATED : VERDICT_DROPPED,
                s.dropReason(),
                DIRECTION_EGRESS,
                0,
                s.protocol(),
                0,
                s.frontendPort(),
                s.backendPort(),
                0,
                s.endpointId(),
                0,
                0,
                0,
                0,
                null,
                s.frontend(),
                s.backend(),
                0,
                0,
                0,
                s);
    }

    private static int u8(ByteBuffer b, int at) {
        return b.get(at) & 0xFF;
    }

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public boolean forwarded() {
        return verdict == VERDICT_FORWARDED;
    }

    /** A decision of the policy map (forwarded or dropped), rather than a drop before policy. */
    public boolean isPolicyVerdict() {
        return type == TYPE_POLICY_VERDICT;
    }

    /** Whose policy map decided: the source endpoint's on egress, the destination's on ingress. */
    public Direction policyDirection() {
        return direction == DIRECTION_EGRESS ? Direction.EGRESS : Direction.INGRESS;
    }

    /** The peer's identity: the destination's on egress, the source's on ingress. */
    public long remoteIdentity() {
        return direction == DIRECTION_EGRESS ? destinationIdentity : sourceIdentity;
    }

    /** The local endpoint's identity. */
    public long localIdentity() {
        return direction == DIRECTION_EGRESS ? sourceIdentity : destinationIdentity;
    }

    /** The port the policy map was looked up with: the destination port of TCP, UDP and SCTP, else 0. */
    public int policyPort() {
        return protocol == IpProtocol.TCP || protocol == IpProtocol.UDP || protocol == IpProtocol.SCTP
                ? destinationPort
                : 0;
    }

    /**
     * The policy decision as libs/datapath's {@link Verdict}: the matched key is rebuilt from the lookup
     * key and the deciding entry's {@code lpm_prefix_length}, as the model does. Empty for drops that
     * happened before the policy map (no endpoint, spoofed source, malformed packet).
     */
    public Optional<Verdict> toVerdict() {
        if (!isPolicyVerdict()) {
            return Optional.empty();
        }
        DropReason reason = switch (dropReason) {
            case 0 -> DropReason.NONE;
            case 133 -> DropReason.POLICY_DENIED;
            case 181 -> DropReason.POLICY_DENY;
            case 189 -> DropReason.AUTH_REQUIRED;
            default -> throw new IllegalArgumentException("drop reason " + dropReason + " is no policy verdict");
        };
        MatchType type = Arrays.stream(MatchType.values())
                .filter(m -> m.hubbleValue() == matchType)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown match type " + matchType));
        PolicyMapKey key = null;
        if (type != MatchType.NONE) {
            key = PolicyMapKey.of(policyIdentity, policyDirection(), protocol, policyPort())
                    .maskedTo(policyValue.l4PrefixLength());
        }
        return Optional.of(new Verdict(
                forwarded() ? Verdict.FlowVerdict.FORWARDED : Verdict.FlowVerdict.DROPPED,
                reason,
                type,
                remoteIdentity(),
                policyDirection(),
                key,
                type == MatchType.NONE ? null : policyValue));
    }
}
