package dev.tendril.datapath.policymap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A key of the per-endpoint policy map, {@code struct policy_key} in Cilium's bpf/lib/policy.h, 12 bytes:
 *
 * <pre>
 * offset size field
 *  0     4    prefixlen  u32, host order (little-endian): 40 + l4PrefixLength
 *  4     4    sec_label  u32, host order: remote identity, 0 = any
 *  8     1    egress:1, pad:7  (bit 0: 0 ingress, 1 egress; other bits zero)
 *  9     1    protocol   u8
 * 10     2    dport      be16
 * </pre>
 *
 * The trie matches the 40 static bits (identity, direction byte) exactly, then {@code l4PrefixLength}
 * bits of protocol and port: 0 = any protocol and port, 8 = protocol only, 8+n = protocol and the n
 * leading port bits (a port range), 24 = protocol and exact port. Protocol is never partially
 * wildcarded, a port never without its protocol; bits beyond the prefix are zero.
 *
 * @param identity remote security identity (u32), 0 for any peer
 * @param direction ingress or egress
 * @param protocol IP protocol 0..255; 0 when {@code l4PrefixLength} is 0
 * @param port destination port 0..65535; bits beyond the port prefix are zero
 * @param l4PrefixLength 0, or 8..24: the bits of (protocol, port) that must match
 */
public record PolicyMapKey(long identity, Direction direction, int protocol, int port, int l4PrefixLength) {

    public static final int SIZE = 12;
    /** Bits of identity and direction byte that every entry matches exactly. */
    public static final int STATIC_PREFIX_BITS = 40;
    /** L4 prefix length of a protocol without a port. */
    public static final int PROTOCOL_PREFIX_BITS = 8;
    /** L4 prefix length of a protocol and an exact port. */
    public static final int FULL_L4_PREFIX_BITS = 24;

    public PolicyMapKey {
        if (identity < 0 || identity > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("identity must be a u32 (0..4294967295), got " + identity);
        }
        if (direction == null) {
            throw new IllegalArgumentException("direction must not be null");
        }
        if (protocol < 0 || protocol > 0xFF) {
            throw new IllegalArgumentException("protocol must be 0..255, got " + protocol);
        }
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (l4PrefixLength != 0 && (l4PrefixLength < PROTOCOL_PREFIX_BITS || l4PrefixLength > FULL_L4_PREFIX_BITS)) {
            throw new IllegalArgumentException("l4PrefixLength must be 0 (any protocol) or 8..24, got " + l4PrefixLength
                    + " (the protocol is never partially wildcarded)");
        }
        if (l4PrefixLength == 0 && protocol != 0) {
            throw new IllegalArgumentException(
                    "protocol must be 0 when l4PrefixLength is 0 (any protocol), got " + protocol);
        }
        int portBits = Math.max(0, l4PrefixLength - PROTOCOL_PREFIX_BITS);
        if ((port & ~PortRange.PortPrefix.mask(portBits)) != 0) {
            throw new IllegalArgumentException("port " + port + " has bits set beyond its " + portBits
                    + "-bit port prefix (l4PrefixLength " + l4PrefixLength + ")");
        }
    }

    /** Protocol and exact port; also the full-prefix key the datapath looks up for a packet. */
    public static PolicyMapKey of(long identity, Direction direction, int protocol, int port) {
        return new PolicyMapKey(identity, direction, protocol, port, FULL_L4_PREFIX_BITS);
    }

    /** Protocol, any port. */
    public static PolicyMapKey anyPort(long identity, Direction direction, int protocol) {
        return new PolicyMapKey(identity, direction, protocol, 0, PROTOCOL_PREFIX_BITS);
    }

    /** Any protocol, any port ("L3-only" for an identity, "allow all" for identity 0). */
    public static PolicyMapKey anyProtocol(long identity, Direction direction) {
        return new PolicyMapKey(identity, direction, 0, 0, 0);
    }

    /** Protocol and the {@code portPrefixBits} leading bits of port (0..16). */
    public static PolicyMapKey portPrefix(
            long identity, Direction direction, int protocol, int port, int portPrefixBits) {
        if (portPrefixBits < 0 || portPrefixBits > 16) {
            throw new IllegalArgumentException("portPrefixBits must be 0..16, got " + portPrefixBits);
        }
        return new PolicyMapKey(identity, direction, protocol, port, PROTOCOL_PREFIX_BITS + portPrefixBits);
    }

    /** The keys covering exactly the ports [from, to], split as {@link PortRange#split} does. */
    public static List<PolicyMapKey> portRange(long identity, Direction direction, int protocol, int from, int to) {
        List<PolicyMapKey> keys = new ArrayList<>();
        for (PortRange.PortPrefix p : PortRange.split(from, to)) {
            keys.add(portPrefix(identity, direction, protocol, p.port(), p.prefixBits()));
        }
        return List.copyOf(keys);
    }

    /** The u32 written at offset 0: {@code 40 + l4PrefixLength}. */
    public int prefixLength() {
        return STATIC_PREFIX_BITS + l4PrefixLength;
    }

    /** Bits of the port that must match (0..16). */
    public int portPrefixBits() {
        return Math.max(0, l4PrefixLength - PROTOCOL_PREFIX_BITS);
    }

    /** True if this key matches any remote identity. */
    public boolean anyIdentity() {
        return identity == 0;
    }

    /** The same key with another remote identity (0 for the wildcard lookup). */
    public PolicyMapKey withIdentity(long newIdentity) {
        return new PolicyMapKey(newIdentity, direction, protocol, port, l4PrefixLength);
    }

    /**
     * The stored key that a full-prefix lookup with this key matched, given the matched entry's
     * {@code lpm_prefix_length}: protocol and port masked to that length, as the kernel itself derives it
     * for policy accounting (it never returns the matched key).
     */
    public PolicyMapKey maskedTo(int matchedL4PrefixLength) {
        if (matchedL4PrefixLength < PROTOCOL_PREFIX_BITS) {
            return new PolicyMapKey(identity, direction, 0, 0, 0);
        }
        int portBits = Math.min(16, matchedL4PrefixLength - PROTOCOL_PREFIX_BITS);
        return new PolicyMapKey(
                identity,
                direction,
                protocol,
                port & PortRange.PortPrefix.mask(portBits),
                Math.min(matchedL4PrefixLength, FULL_L4_PREFIX_BITS));
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(prefixLength());
        b.putInt((int) identity);
        b.put((byte) direction.egressBit());
        b.put((byte) protocol);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) port);
        return b.array();
    }

    public static PolicyMapKey decode(byte[] bytes) {
        if (bytes == null || bytes.length != SIZE) {
            throw new IllegalArgumentException(
                    "policy map key must be " + SIZE + " bytes, got " + (bytes == null ? "null" : bytes.length));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long prefix = Integer.toUnsignedLong(b.getInt());
        if (prefix < STATIC_PREFIX_BITS || prefix > STATIC_PREFIX_BITS + FULL_L4_PREFIX_BITS) {
            throw new IllegalArgumentException("prefixlen must be 40..64, got " + prefix);
        }
        long identity = Integer.toUnsignedLong(b.getInt());
        int dirByte = b.get() & 0xFF;
        if ((dirByte & ~1) != 0) {
            throw new IllegalArgumentException("direction byte has pad bits set: 0x" + Integer.toHexString(dirByte));
        }
        int protocol = b.get() & 0xFF;
        int port = b.order(ByteOrder.BIG_ENDIAN).getShort() & 0xFFFF;
        return new PolicyMapKey(
                identity, Direction.ofEgressBit(dirByte), protocol, port, (int) (prefix - STATIC_PREFIX_BITS));
    }

    /** Like {@code cilium bpf policy get}: {@code Ingress: 1234 80/TCP}, {@code 0x1f90/13/TCP}, {@code ANY}. */
    @Override
    public String toString() {
        String dir = direction == Direction.INGRESS ? "Ingress" : "Egress";
        String l4;
        if (l4PrefixLength == 0) {
            l4 = "ANY";
        } else if (l4PrefixLength == PROTOCOL_PREFIX_BITS) {
            l4 = IpProtocol.name(protocol);
        } else if (l4PrefixLength == FULL_L4_PREFIX_BITS) {
            l4 = port + "/" + IpProtocol.name(protocol);
        } else {
            l4 = "0x" + Integer.toHexString(port) + "/" + portPrefixBits() + "/" + IpProtocol.name(protocol);
        }
        return dir + ": " + identity + " " + l4;
    }
}
