package dev.tendril.datapath.lb;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A key of {@code cilium_lb{4,6}_backends_v3}: the backend id, a {@code __u32} in host order
 * (little-endian), 4 bytes (Cilium's bpf/lib/lb.h map definitions).
 */
public record LbBackendKey(long backendId) {

    public static final int SIZE = 4;

    public LbBackendKey {
        LbBytes.requireU32(backendId, "backendId");
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) backendId)
                .array();
    }

    public static LbBackendKey decode(byte[] bytes) {
        LbBytes.requireLength(bytes, "backends map key", SIZE);
        return new LbBackendKey(Integer.toUnsignedLong(
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt()));
    }
}
