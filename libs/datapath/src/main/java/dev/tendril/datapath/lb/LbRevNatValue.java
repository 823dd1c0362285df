package dev.tendril.datapath.lb;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A value of {@code cilium_lb{4,6}_reverse_nat}, {@code struct lb4_reverse_nat} / {@code lb6_reverse_nat}
 * in Cilium's bpf/lib/lb.h (common.h before 1.17). Both structs are {@code __packed}, so there is no
 * trailing pad: v4 is 6 bytes (address be32 | port be16), v6 18 bytes (address 16 B | port be16). The
 * frontend that replies are rewritten back to.
 */
public record LbRevNatValue(InetAddress address, int port) {

    public static final int SIZE_V4 = 6;
    public static final int SIZE_V6 = 18;

    public LbRevNatValue {
        LbBytes.requireAddress(address, "address");
        LbBytes.requireRange(port, 0xFFFF, "port");
    }

    public boolean isV6() {
        return LbBytes.isV6(address);
    }

    public int size() {
        return isV6() ? SIZE_V6 : SIZE_V4;
    }

    public byte[] encode() {
        return ByteBuffer.allocate(size())
                .put(address.getAddress())
                .putShort((short) port)
                .array();
    }

    public static LbRevNatValue decode(byte[] bytes) {
        LbBytes.requireLength(bytes, "reverse NAT map value", SIZE_V4, SIZE_V6);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        InetAddress address = LbBytes.getAddress(b, bytes.length == SIZE_V6);
        return new LbRevNatValue(address, b.getShort() & 0xFFFF);
    }
}
