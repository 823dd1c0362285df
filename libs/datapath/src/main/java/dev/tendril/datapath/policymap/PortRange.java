package dev.tendril.datapath.policymap;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a port range into the power-of-two aligned prefixes a policy map can hold, as Cilium does for
 * {@code endPort} ({@code PortRangeToMaskedPorts} in pkg/policy): the fewest aligned blocks that cover
 * exactly the range, in ascending order.
 */
public final class PortRange {

    /**
     * An aligned block of ports: the {@code prefixBits} leading bits of {@code port} are fixed, the rest
     * are wildcarded (so the low {@code 16 - prefixBits} bits of {@code port} are zero).
     */
    public record PortPrefix(int port, int prefixBits) {
        public PortPrefix {
            if (port < 0 || port > 0xFFFF) {
                throw new IllegalArgumentException("port must be 0..65535, got " + port);
            }
            if (prefixBits < 0 || prefixBits > 16) {
                throw new IllegalArgumentException("prefixBits must be 0..16, got " + prefixBits);
            }
            if ((port & ~mask(prefixBits)) != 0) {
                throw new IllegalArgumentException(
                        "port " + port + " has bits set beyond its /" + prefixBits + " prefix");
            }
        }

        public int first() {
            return port;
        }

        public int last() {
            return port | (~mask(prefixBits) & 0xFFFF);
        }

        /** The 16-bit mask with the {@code prefixBits} leading bits set. */
        static int mask(int prefixBits) {
            return (0xFFFF << (16 - prefixBits)) & 0xFFFF;
        }
    }

    private PortRange() {}

    /**
     * The aligned prefixes covering exactly [from, to]. A single port is one /16 prefix; 0-65535 is one
     * /0 prefix. Port 0 is a real value here; a policy with no port is {@link PolicyMapKey#anyPort}, not
     * a range, which is how Cilium reads 0-0 as well.
     */
    public static List<PortPrefix> split(int from, int to) {
        if (from < 0 || from > 0xFFFF) {
            throw new IllegalArgumentException("from must be 0..65535, got " + from);
        }
        if (to < 0 || to > 0xFFFF) {
            throw new IllegalArgumentException("to must be 0..65535, got " + to);
        }
        if (to < from) {
            throw new IllegalArgumentException("to (" + to + ") must not be below from (" + from + ")");
        }
        List<PortPrefix> out = new ArrayList<>();
        int cur = from;
        while (cur <= to) {
            // The largest aligned block starting at cur: limited by cur's trailing zeros and by what is left.
            int size = cur == 0 ? 1 << 16 : Integer.lowestOneBit(cur);
            while (cur + size - 1 > to) {
                size >>= 1;
            }
            out.add(new PortPrefix(cur, 16 - Integer.numberOfTrailingZeros(size)));
            cur += size;
        }
        return List.copyOf(out);
    }
}
