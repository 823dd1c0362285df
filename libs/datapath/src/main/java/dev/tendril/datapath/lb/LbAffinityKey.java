package dev.tendril.datapath.lb;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A key of {@code cilium_lb4_affinity} / {@code cilium_lb6_affinity}, {@code struct lb4_affinity_key} /
 * {@code lb6_affinity_key} in Cilium's bpf/lib/lb.h, both {@code __packed}. Socket-LB keys the client by
 * its network namespace cookie, so {@code netns_cookie} is 1 and the client id union holds the u64 cookie
 * (host order, little-endian) in its first 8 bytes:
 *
 * <pre>
 * v4 (16 B)                                v6 (24 B)
 * offset size field                        offset size field
 *  0     8    client_id (u32 ip | u64 cookie)  0   16   client_id (v6addr | u64 cookie, rest zero)
 *  8     2    rev_nat_id u16 host          16     2    rev_nat_id u16 host
 * 10     1    netns_cookie:1 (bit 0), reserved:7  18  1  netns_cookie:1, reserved:7
 * 11     1    pad1, zero                   19     1    pad1
 * 12     4    pad2, zero                   20     4    pad2
 * </pre>
 *
 * Tendril's programs only use netns cookies (client IPs are per-packet LB, which Tendril does not do), so
 * {@link #decode} rejects an entry keyed by client IP.
 */
public record LbAffinityKey(long clientCookie, int revNatIndex) {

    public static final int SIZE_V4 = 16;
    public static final int SIZE_V6 = 24;

    public LbAffinityKey {
        LbBytes.requireRange(revNatIndex, 0xFFFF, "revNatIndex");
    }

    /** The key in the family's layout: {@code cilium_lb6_affinity} when {@code v6}. */
    public byte[] encode(boolean v6) {
        ByteBuffer b = ByteBuffer.allocate(v6 ? SIZE_V6 : SIZE_V4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(clientCookie);
        if (v6) {
            b.putLong(0);
        }
        b.putShort((short) revNatIndex);
        b.put((byte) 1);
        return b.array();
    }

    public static LbAffinityKey decode(byte[] bytes) {
        LbBytes.requireLength(bytes, "affinity map key", SIZE_V4, SIZE_V6);
        boolean v6 = bytes.length == SIZE_V6;
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long cookie = b.getLong();
        if (v6) {
            LbBytes.requireZero(b, 8, "affinity map key client_id beyond the cookie");
        }
        int revNat = b.getShort() & 0xFFFF;
        int bits = b.get() & 0xFF;
        if (bits != 1) {
            throw new IllegalArgumentException(
                    "affinity map key must be keyed by netns cookie (byte " + (v6 ? 18 : 10) + " = 1), got " + bits);
        }
        LbBytes.requireZero(b, 5, "affinity map key");
        return new LbAffinityKey(cookie, revNat);
    }
}
