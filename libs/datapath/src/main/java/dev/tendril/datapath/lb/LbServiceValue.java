package dev.tendril.datapath.lb;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A value of {@code cilium_lb{4,6}_services_v2}, {@code struct lb4_service} (lb6_service is the same) in
 * Cilium's bpf/lib/lb.h, 12 bytes, every integer in host order (little-endian):
 *
 * <pre>
 * offset size field
 *  0     4    backend_id u32: a slot's backend; in the master entry (slot 0) affinity_timeout instead:
 *             low 24 bits the ClientIP timeout in seconds, high 8 bits the algorithm (0 default, 1 random,
 *             2 maglev)
 *  4     2    count u16: in the master, the number of backend slots; 0 in a slot
 *  6     2    rev_nat_index u16: index into cilium_lb{4,6}_reverse_nat
 *  8     1    flags u8: SVC_FLAG_* ({@link LbFlags})
 *  9     1    flags2 u8: SVC_FLAG_* of the second byte ({@link LbFlags})
 * 10     2    qcount u16: in the master, the quarantined slots after the count ones
 * </pre>
 *
 * @param backendId the slot's backend id, or the master's affinity timeout word
 */
public record LbServiceValue(long backendId, int count, int revNatIndex, int flags, int flags2, int qcount) {

    public static final int SIZE = 12;
    /** {@code LB_ALGORITHM_SHIFT}: the algorithm's bits in the master's affinity_timeout word. */
    public static final int ALGORITHM_SHIFT = 24;
    /** {@code AFFINITY_TIMEOUT_MASK}. */
    public static final int AFFINITY_TIMEOUT_MASK = (1 << ALGORITHM_SHIFT) - 1;

    public LbServiceValue {
        LbBytes.requireU32(backendId, "backendId");
        LbBytes.requireRange(count, 0xFFFF, "count");
        LbBytes.requireRange(revNatIndex, 0xFFFF, "revNatIndex");
        LbBytes.requireRange(flags, 0xFF, "flags");
        LbBytes.requireRange(flags2, 0xFF, "flags2");
        LbBytes.requireRange(qcount, 0xFFFF, "qcount");
    }

    /** A frontend's master entry; the algorithm bits stay 0 (the datapath's default, random). */
    public static LbServiceValue master(
            long affinityTimeoutSeconds, int count, int revNatIndex, int flags, int flags2) {
        if (affinityTimeoutSeconds < 0 || affinityTimeoutSeconds > AFFINITY_TIMEOUT_MASK) {
            throw new IllegalArgumentException(
                    "affinityTimeoutSeconds must be 0.." + AFFINITY_TIMEOUT_MASK + ", got " + affinityTimeoutSeconds);
        }
        return new LbServiceValue(affinityTimeoutSeconds, count, revNatIndex, flags, flags2, 0);
    }

    /** A backend slot's entry. */
    public static LbServiceValue slot(long backendId, int revNatIndex, int flags, int flags2) {
        return new LbServiceValue(backendId, 0, revNatIndex, flags, flags2, 0);
    }

    /** The master's ClientIP timeout in seconds. */
    public long affinityTimeoutSeconds() {
        return backendId & AFFINITY_TIMEOUT_MASK;
    }

    /** The master's algorithm byte. */
    public int algorithm() {
        return (int) (backendId >>> ALGORITHM_SHIFT);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) backendId);
        b.putShort((short) count);
        b.putShort((short) revNatIndex);
        b.put((byte) flags);
        b.put((byte) flags2);
        b.putShort((short) qcount);
        return b.array();
    }

    public static LbServiceValue decode(byte[] bytes) {
        LbBytes.requireLength(bytes, "services map value", SIZE);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long backendId = Integer.toUnsignedLong(b.getInt());
        int count = b.getShort() & 0xFFFF;
        int revNat = b.getShort() & 0xFFFF;
        int flags = b.get() & 0xFF;
        int flags2 = b.get() & 0xFF;
        int qcount = b.getShort() & 0xFFFF;
        return new LbServiceValue(backendId, count, revNat, flags, flags2, qcount);
    }
}
