package dev.tendril.datapath.policymap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A value of the per-endpoint policy map, {@code struct policy_entry} in Cilium 1.17/1.18
 * (bpf/lib/policy.h), 12 bytes:
 *
 * <pre>
 * offset size field
 *  0     2    proxy_port           be16, 0 = no L7 redirect
 *  2     1    deny:1 (bit 0), reserved:2 (bits 1-2, zero; Cilium 1.16 wildcard flags),
 *             lpm_prefix_length:5 (bits 3-7): the key's L4 prefix length 0..24
 *  3     1    auth_type:7 (bits 0-6), has_explicit_auth_type:1 (bit 7)
 *  4     1    proxy_port_priority  u8, higher wins between the two lookups
 *  5     3    pad (u8 + u16), zero
 *  8     4    cookie               u32, host order (little-endian): policy log cookie
 * </pre>
 *
 * The datapath reads {@code lpm_prefix_length} to compare the specificity of the identity-specific and
 * the wildcard-identity matches and to name the match type, so it must equal the key's L4 prefix length;
 * {@link PolicyMap#put} enforces that.
 */
public record PolicyMapValue(
        int proxyPort,
        boolean deny,
        int l4PrefixLength,
        int authType,
        boolean explicitAuthType,
        int proxyPortPriority,
        long cookie) {

    public static final int SIZE = 12;

    public PolicyMapValue {
        if (proxyPort < 0 || proxyPort > 0xFFFF) {
            throw new IllegalArgumentException("proxyPort must be 0..65535, got " + proxyPort);
        }
        if (l4PrefixLength < 0 || l4PrefixLength > PolicyMapKey.FULL_L4_PREFIX_BITS) {
            throw new IllegalArgumentException(
                    "l4PrefixLength (lpm_prefix_length) must be 0..24, got " + l4PrefixLength);
        }
        if (authType < 0 || authType > 0x7F) {
            throw new IllegalArgumentException("authType must be 0..127 (7 bits), got " + authType);
        }
        if (proxyPortPriority < 0 || proxyPortPriority > 0xFF) {
            throw new IllegalArgumentException("proxyPortPriority must be 0..255, got " + proxyPortPriority);
        }
        if (cookie < 0 || cookie > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("cookie must be a u32, got " + cookie);
        }
    }

    /** A plain allow entry for the key (no proxy, no auth, cookie 0). */
    public static PolicyMapValue allow(PolicyMapKey key) {
        return new PolicyMapValue(0, false, key.l4PrefixLength(), 0, false, 0, 0);
    }

    /** A deny entry for the key. */
    public static PolicyMapValue deny(PolicyMapKey key) {
        return new PolicyMapValue(0, true, key.l4PrefixLength(), 0, false, 0, 0);
    }

    public PolicyMapValue withCookie(long newCookie) {
        return new PolicyMapValue(
                proxyPort, deny, l4PrefixLength, authType, explicitAuthType, proxyPortPriority, newCookie);
    }

    public PolicyMapValue withProxy(int port, int priority) {
        return new PolicyMapValue(port, deny, l4PrefixLength, authType, explicitAuthType, priority, cookie);
    }

    public PolicyMapValue withAuth(int type, boolean explicit) {
        return new PolicyMapValue(proxyPort, deny, l4PrefixLength, type, explicit, proxyPortPriority, cookie);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.BIG_ENDIAN);
        b.putShort((short) proxyPort);
        b.put((byte) ((deny ? 1 : 0) | l4PrefixLength << 3));
        b.put((byte) (authType | (explicitAuthType ? 0x80 : 0)));
        b.put((byte) proxyPortPriority);
        b.put((byte) 0).putShort((short) 0);
        b.order(ByteOrder.LITTLE_ENDIAN).putInt((int) cookie);
        return b.array();
    }

    public static PolicyMapValue decode(byte[] bytes) {
        if (bytes == null || bytes.length != SIZE) {
            throw new IllegalArgumentException(
                    "policy map value must be " + SIZE + " bytes, got " + (bytes == null ? "null" : bytes.length));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        int proxyPort = b.getShort() & 0xFFFF;
        int flags = b.get() & 0xFF;
        if ((flags & 0b110) != 0) {
            throw new IllegalArgumentException(
                    "flags has reserved bits 1-2 set (Cilium 1.16 layout?): 0x" + Integer.toHexString(flags));
        }
        int auth = b.get() & 0xFF;
        int priority = b.get() & 0xFF;
        if (b.get() != 0 || b.getShort() != 0) {
            throw new IllegalArgumentException("pad bytes 5-7 must be zero");
        }
        long cookie = Integer.toUnsignedLong(b.order(ByteOrder.LITTLE_ENDIAN).getInt());
        return new PolicyMapValue(
                proxyPort, (flags & 1) != 0, flags >>> 3, auth & 0x7F, (auth & 0x80) != 0, priority, cookie);
    }
}
