package dev.tendril.datapath.lb;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A key of {@code cilium_lb{4,6}_reverse_nat}: the reverse-NAT index, a {@code __u16} in host order
 * (little-endian), 2 bytes (Cilium's bpf/lib/lb.h map definitions). Index 0 is never allocated.
 */
public record LbRevNatKey(int index) {

    public static final int SIZE = 2;

    public LbRevNatKey {
        LbBytes.requireRange(index, 0xFFFF, "index");
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) index)
                .array();
    }

    public static LbRevNatKey decode(byte[] bytes) {
        LbBytes.requireLength(bytes, "reverse NAT map key", SIZE);
        return new LbRevNatKey(
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF);
    }
}
