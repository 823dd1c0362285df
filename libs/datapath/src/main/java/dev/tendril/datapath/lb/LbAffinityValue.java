package dev.tendril.datapath.lb;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A value of {@code cilium_lb{4,6}_affinity}, {@code struct lb_affinity_val} in Cilium's bpf/lib/lb.h
 * ({@code __packed}), 16 bytes, host order (little-endian): last_used u64 | backend_id u32 | pad u32.
 *
 * @param lastUsed when the client last used the backend, in the datapath's monotonic clock (Tendril's
 *     programs and model use nanoseconds, {@code bpf_ktime_get_ns})
 */
public record LbAffinityValue(long lastUsed, long backendId) {

    public static final int SIZE = 16;

    public LbAffinityValue {
        LbBytes.requireU32(backendId, "backendId");
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(lastUsed)
                .putInt((int) backendId)
                .array();
    }

    public static LbAffinityValue decode(byte[] bytes) {
        LbBytes.requireLength(bytes, "affinity map value", SIZE);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long lastUsed = b.getLong();
        long backendId = Integer.toUnsignedLong(b.getInt());
        LbBytes.requireZero(b, 4, "affinity map value");
        return new LbAffinityValue(lastUsed, backendId);
    }
}
