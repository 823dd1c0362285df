package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * The connection-tracking maps in Cilium's layout, read back: keys {@code struct ipv4_ct_tuple} (14 B)
 * and {@code struct ipv6_ct_tuple} (38 B), packed,
 *
 * <pre>
 * daddr[4|16] | saddr[4|16] | dport be16 | sport be16 | nexthdr u8 | flags u8 (0 TUPLE_F_OUT, 1 TUPLE_F_IN)
 * </pre>
 *
 * where an entry created for a packet s:sp -> d:dp holds daddr = s, saddr = d, dport = dp, sport = sp;
 * values {@code struct ct_entry} (56 B): reserved0 u64, backend_id u64, packets u64, bytes u64, lifetime
 * u32 (seconds of CLOCK_MONOTONIC), flags u16 (bit 0 rx_closing, 1 tx_closing, 4 seen_non_syn),
 * rev_nat_index u16, reserved u16, tx_flags_seen u8, rx_flags_seen u8, src_sec_id u32,
 * last_tx_report u32, last_rx_report u32.
 */
public final class Conntrack {
    static final int V4_KEY = 14;
    static final int V6_KEY = 38;
    static final int VALUE = 56;

    /**
     * One connection as one hook created it.
     *
     * @param map the CT map it is in
     * @param outgoing true when created at the endpoint's egress (TUPLE_F_OUT), false at its ingress
     * @param source the connection's originator
     * @param destination the side that accepted it
     */
    public record Entry(
            String map,
            boolean outgoing,
            int protocol,
            InetAddress source,
            int sourcePort,
            InetAddress destination,
            int destinationPort,
            long packets,
            long bytes,
            long lifetime,
            boolean rxClosing,
            boolean txClosing,
            boolean seenNonSyn,
            int txFlagsSeen,
            int rxFlagsSeen,
            long sourceIdentity) {}

    private Conntrack() {}

    static List<Entry> dump(Path dir, List<String> maps) {
        List<Entry> out = new ArrayList<>();
        for (String name : maps) {
            Path pin = dir.resolve(name);
            if (!Files.exists(pin)) {
                continue;
            }
            int fd = Pins.open(pin);
            try {
                int keySize = Pins.mapInfo(fd, name).keySize();
                for (byte[][] kv : entries(fd, keySize)) {
                    out.add(decode(name, kv[0], kv[1]));
                }
            } finally {
                Pins.close(fd);
            }
        }
        return out;
    }

    /** Deletes every entry of the maps: tracked connections are then decided by policy again. */
    static int flush(Path dir, List<String> maps) {
        return delete(dir, maps, value -> true);
    }

    /**
     * Deletes the entries whose lifetime ended before {@code nowSeconds} (seconds of CLOCK_MONOTONIC, the
     * programs' clock): the programs already treat them as absent, the GC frees their slots, as Cilium's
     * agent does on its CT GC interval.
     */
    static int collectExpired(Path dir, List<String> maps, long nowSeconds) {
        return delete(dir, maps, value -> lifetime(value) < nowSeconds);
    }

    /** The entry's lifetime (u32 seconds of CLOCK_MONOTONIC) from a {@code struct ct_entry}. */
    static long lifetime(byte[] value) {
        return Integer.toUnsignedLong(
                ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getInt(32));
    }

    private static int delete(Path dir, List<String> maps, Predicate<byte[]> which) {
        int deleted = 0;
        for (String name : maps) {
            Path pin = dir.resolve(name);
            if (!Files.exists(pin)) {
                continue;
            }
            int fd = Pins.open(pin);
            try (Arena arena = Arena.ofConfined()) {
                int keySize = Pins.mapInfo(fd, name).keySize();
                for (byte[][] kv : entries(fd, keySize)) {
                    if (which.test(kv[1]) && LibBpf.mapDelete(fd, arena.allocateFrom(JAVA_BYTE, kv[0])) == 0) {
                        deleted++;
                    }
                }
            } finally {
                Pins.close(fd);
            }
        }
        return deleted;
    }

    private static List<byte[][]> entries(int fd, int keySize) {
        List<byte[][]> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(keySize, 8);
            MemorySegment next = arena.allocate(keySize, 8);
            MemorySegment value = arena.allocate(VALUE, 8);
            MemorySegment current = MemorySegment.NULL;
            while (LibBpf.mapNextKey(fd, current, next) == 0) {
                MemorySegment.copy(next, 0, key, 0, keySize);
                current = key;
                if (LibBpf.mapLookup(fd, key, value) == 0) {
                    out.add(new byte[][] {key.toArray(JAVA_BYTE), value.toArray(JAVA_BYTE)});
                }
            }
        }
        return out;
    }

    static Entry decode(String map, byte[] key, byte[] value) {
        int len = key.length == V4_KEY ? 4 : 16;
        ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.BIG_ENDIAN);
        InetAddress source = address(Arrays.copyOfRange(key, 0, len));
        InetAddress destination = address(Arrays.copyOfRange(key, len, 2 * len));
        int dport = k.getShort(2 * len) & 0xFFFF;
        int sport = k.getShort(2 * len + 2) & 0xFFFF;
        int protocol = key[2 * len + 4] & 0xFF;
        int tupleFlags = key[2 * len + 5] & 0xFF;
        ByteBuffer v = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        int flags = v.getShort(36) & 0xFFFF;
        return new Entry(
                map,
                (tupleFlags & 1) == 0,
                protocol,
                source,
                sport,
                destination,
                dport,
                v.getLong(16),
                v.getLong(24),
                lifetime(value),
                (flags & 1) != 0,
                (flags & 2) != 0,
                (flags & 16) != 0,
                value[42] & 0xFF,
                value[43] & 0xFF,
                Integer.toUnsignedLong(v.getInt(44)));
    }

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
