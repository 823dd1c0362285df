package dev.tendril.datapath.lb;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A key of {@code cilium_lb4_services_v2} / {@code cilium_lb6_services_v2}, {@code struct lb4_key} /
 * {@code struct lb6_key} in Cilium's bpf/lib/lb.h (bpf/lib/common.h before 1.17); the family follows the
 * address:
 *
 * <pre>
 * v4 (12 B)                          v6 (24 B)
 * offset size field                  offset size field
 *  0     4    address  be32           0     16   address (union v6addr)
 *  4     2    dport    be16          16     2    dport    be16
 *  6     2    backend_slot u16 host  18     2    backend_slot u16 host
 *  8     1    proto    u8            20     1    proto    u8
 *  9     1    scope    u8            21     1    scope    u8
 * 10     2    pad, zero              22     2    pad, zero
 * </pre>
 *
 * Slot 0 is the frontend's master entry; slots 1..count name its backends. Scope is
 * {@link #SCOPE_EXTERNAL} except for the second set of backends of a two-scope frontend. Host order is
 * little-endian (x86-64 and arm64, where the agent runs).
 */
public record LbServiceKey(InetAddress address, int port, int backendSlot, int protocol, int scope) {

    public static final int SIZE_V4 = 12;
    public static final int SIZE_V6 = 24;
    /** {@code LB_LOOKUP_SCOPE_EXT}. */
    public static final int SCOPE_EXTERNAL = 0;
    /** {@code LB_LOOKUP_SCOPE_INT}. */
    public static final int SCOPE_INTERNAL = 1;

    public LbServiceKey {
        LbBytes.requireAddress(address, "address");
        LbBytes.requireRange(port, 0xFFFF, "port");
        LbBytes.requireRange(backendSlot, 0xFFFF, "backendSlot");
        LbBytes.requireRange(protocol, 0xFF, "protocol");
        LbBytes.requireRange(scope, 0xFF, "scope");
    }

    /** The master entry's key (slot 0, external scope). */
    public static LbServiceKey master(InetAddress address, int port, int protocol) {
        return new LbServiceKey(address, port, 0, protocol, SCOPE_EXTERNAL);
    }

    public boolean isV6() {
        return LbBytes.isV6(address);
    }

    public int size() {
        return isV6() ? SIZE_V6 : SIZE_V4;
    }

    /** The same frontend's key for another slot. */
    public LbServiceKey withSlot(int slot) {
        return new LbServiceKey(address, port, slot, protocol, scope);
    }

    /** The same slot and port of another frontend address (the NodePort surrogate lookup). */
    public LbServiceKey withAddress(InetAddress other) {
        return new LbServiceKey(other, port, backendSlot, protocol, scope);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(size()).order(ByteOrder.BIG_ENDIAN);
        b.put(address.getAddress());
        b.putShort((short) port);
        b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) backendSlot);
        b.put((byte) protocol);
        b.put((byte) scope);
        return b.array();
    }

    public static LbServiceKey decode(byte[] bytes) {
        LbBytes.requireLength(bytes, "services map key", SIZE_V4, SIZE_V6);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        InetAddress address = LbBytes.getAddress(b, bytes.length == SIZE_V6);
        int port = b.getShort() & 0xFFFF;
        int slot = b.order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        int protocol = b.get() & 0xFF;
        int scope = b.get() & 0xFF;
        LbBytes.requireZero(b, 2, "services map key");
        return new LbServiceKey(address, port, slot, protocol, scope);
    }

    /** {@code 10.96.0.10:80/TCP}. */
    public String frontend() {
        return LbBytes.endpoint(address, port, protocol);
    }
}
