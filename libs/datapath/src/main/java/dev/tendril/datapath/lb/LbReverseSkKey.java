package dev.tendril.datapath.lb;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A key of {@code cilium_lb4_reverse_sk} / {@code cilium_lb6_reverse_sk}, {@code struct ipv4_revnat_tuple}
 * / {@code ipv6_revnat_tuple} in Cilium's bpf/lib/lb.h (common.h before 1.17): the socket cookie and the
 * backend a socket-LB translation connected it to, for reverse translation in recvmsg and getpeername.
 *
 * <pre>
 * v4 (16 B)                           v6 (32 B: not packed, the u64 aligns the struct to 8)
 * offset size field                   offset size field
 *  0     8    cookie u64 host          0     8    cookie u64 host
 *  8     4    address be32             8     16   address
 * 12     2    port be16               24     2    port be16
 * 14     2    pad, zero               26     2    pad, zero
 *                                     28     4    tail padding, zero
 * </pre>
 */
public record LbReverseSkKey(long cookie, InetAddress address, int port) {

    public static final int SIZE_V4 = 16;
    public static final int SIZE_V6 = 32;

    public LbReverseSkKey {
        LbBytes.requireAddress(address, "address");
        LbBytes.requireRange(port, 0xFFFF, "port");
    }

    public boolean isV6() {
        return LbBytes.isV6(address);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(isV6() ? SIZE_V6 : SIZE_V4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(cookie);
        b.put(address.getAddress());
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) port);
        return b.array();
    }

    public static LbReverseSkKey decode(byte[] bytes) {
        LbBytes.requireLength(bytes, "reverse socket map key", SIZE_V4, SIZE_V6);
        boolean v6 = bytes.length == SIZE_V6;
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long cookie = b.getLong();
        InetAddress address = LbBytes.getAddress(b, v6);
        int port = b.order(ByteOrder.BIG_ENDIAN).getShort() & 0xFFFF;
        LbBytes.requireZero(b, v6 ? 6 : 2, "reverse socket map key");
        return new LbReverseSkKey(cookie, address, port);
    }
}
