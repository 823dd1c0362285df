package dev.tendril.datapath.lb;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A value of {@code cilium_lb4_backends_v3} / {@code cilium_lb6_backends_v3}, {@code struct lb4_backend} /
 * {@code struct lb6_backend} in Cilium's bpf/lib/lb.h (1.17+, where cluster_id widened to u16 and zone was
 * added); the family follows the address:
 *
 * <pre>
 * v4 (12 B)                         v6 (24 B)
 * offset size field                 offset size field
 *  0     4    address be32           0     16   address
 *  4     2    port    be16          16     2    port    be16
 *  6     1    proto   u8            18     1    proto   u8
 *  7     1    flags   u8 (state)    19     1    flags   u8 (state)
 *  8     2    cluster_id u16 host   20     2    cluster_id u16 host
 * 10     1    zone    u8            22     1    zone    u8
 * 11     1    pad, zero             23     1    pad, zero
 * </pre>
 *
 * @param flags the backend state, {@code BE_STATE_*} ({@link LbFlags#BACKEND_ACTIVE} ...)
 */
public record LbBackendValue(InetAddress address, int port, int protocol, int flags, int clusterId, int zone) {

    public static final int SIZE_V4 = 12;
    public static final int SIZE_V6 = 24;

    public LbBackendValue {
        LbBytes.requireAddress(address, "address");
        LbBytes.requireRange(port, 0xFFFF, "port");
        LbBytes.requireRange(protocol, 0xFF, "protocol");
        LbBytes.requireRange(flags, 0xFF, "flags");
        LbBytes.requireRange(clusterId, 0xFFFF, "clusterId");
        LbBytes.requireRange(zone, 0xFF, "zone");
    }

    /** An active backend of the local cluster without a zone. */
    public static LbBackendValue of(InetAddress address, int port, int protocol) {
        return new LbBackendValue(address, port, protocol, LbFlags.BACKEND_ACTIVE, 0, 0);
    }

    public boolean isV6() {
        return LbBytes.isV6(address);
    }

    public int size() {
        return isV6() ? SIZE_V6 : SIZE_V4;
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(size()).order(ByteOrder.BIG_ENDIAN);
        b.put(address.getAddress());
        b.putShort((short) port);
        b.put((byte) protocol);
        b.put((byte) flags);
        b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) clusterId);
        b.put((byte) zone);
        return b.array();
    }

    public static LbBackendValue decode(byte[] bytes) {
        LbBytes.requireLength(bytes, "backends map value", SIZE_V4, SIZE_V6);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        InetAddress address = LbBytes.getAddress(b, bytes.length == SIZE_V6);
        int port = b.getShort() & 0xFFFF;
        int protocol = b.get() & 0xFF;
        int flags = b.get() & 0xFF;
        int clusterId = b.order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        int zone = b.get() & 0xFF;
        LbBytes.requireZero(b, 1, "backends map value");
        return new LbBackendValue(address, port, protocol, flags, clusterId, zone);
    }

    /** {@code 10.0.1.5:8080/TCP}. */
    public String endpoint() {
        return LbBytes.endpoint(address, port, protocol);
    }
}
