package dev.tendril.datapath.lb;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A value of {@code cilium_lb{4,6}_reverse_sk}, {@code struct ipv4_revnat_entry} / {@code ipv6_revnat_entry}
 * in Cilium's bpf/lib/lb.h: the frontend the socket asked for. v4 8 bytes (address be32 | port be16 |
 * rev_nat_index u16 host), v6 20 bytes (address 16 B | port be16 | rev_nat_index u16 host).
 */
public record LbReverseSkValue(InetAddress address, int port, int revNatIndex) {

    public static final int SIZE_V4 = 8;
    public static final int SIZE_V6 = 20;

    public LbReverseSkValue {
        LbBytes.requireAddress(address, "address");
        LbBytes.requireRange(port, 0xFFFF, "port");
        LbBytes.requireRange(revNatIndex, 0xFFFF, "revNatIndex");
    }

    public boolean isV6() {
        return LbBytes.isV6(address);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(isV6() ? SIZE_V6 : SIZE_V4).order(ByteOrder.BIG_ENDIAN);
        b.put(address.getAddress());
        b.putShort((short) port);
        b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) revNatIndex);
        return b.array();
    }

    public static LbReverseSkValue decode(byte[] bytes) {
        LbBytes.requireLength(bytes, "reverse socket map value", SIZE_V4, SIZE_V6);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        InetAddress address = LbBytes.getAddress(b, bytes.length == SIZE_V6);
        int port = b.getShort() & 0xFFFF;
        int revNat = b.order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        return new LbReverseSkValue(address, port, revNat);
    }
}
