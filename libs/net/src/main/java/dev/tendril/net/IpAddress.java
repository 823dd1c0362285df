package dev.tendril.net;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * One IPv4 or IPv6 address as an unsigned number of its family's width, kept in two longs so that
 * comparing and masking allocate nothing. Parsing accepts only literals (never host names, so nothing
 * here can trigger a DNS lookup): IPv4 as four decimal octets without leading zeros, as Go's net/netip
 * reads them; IPv6 as RFC 4291 text, optionally ending in a dotted quad. {@link #toString()} writes
 * dotted quads and RFC 5952 text.
 *
 * @param family IPv4 or IPv6
 * @param high the upper 64 bits of an IPv6 address; 0 for IPv4
 * @param low the lower 64 bits of an IPv6 address, or the 32 bits of an IPv4 address
 */
public record IpAddress(IpFamily family, long high, long low) implements Comparable<IpAddress> {

    private static final BigInteger MASK_64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    public IpAddress {
        Objects.requireNonNull(family, "family");
        if (family == IpFamily.IPV4 && (high != 0 || low >>> 32 != 0)) {
            throw new IllegalArgumentException("value out of range for ipv4: " + unsigned(high, low));
        }
    }

    /** The address whose unsigned value is {@code value} (0 to 2^32-1 or 2^128-1). */
    public IpAddress(IpFamily family, BigInteger value) {
        this(family, checked(family, value).shiftRight(64).longValue(), value.longValue());
    }

    /** Parses a literal IPv4 ({@code 10.0.0.1}) or IPv6 ({@code fd00::1}) address; surrounding blanks are ignored. */
    public static IpAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty IP address");
        }
        String s = text.strip();
        if (s.indexOf(':') >= 0) {
            int[] groups = parseV6(s, text);
            long high = 0;
            long low = 0;
            for (int i = 0; i < 4; i++) {
                high = high << 16 | groups[i];
                low = low << 16 | groups[i + 4];
            }
            return new IpAddress(IpFamily.IPV6, high, low);
        }
        return new IpAddress(IpFamily.IPV4, 0, parseV4(s, text));
    }

    /**
     * {@link #parse}, or null for null, blank or malformed text: for input in which a missing or
     * unreadable address is simply no address (a flow record's fields), not an error.
     */
    public static IpAddress parseOrNull(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The address of 4 (IPv4) or 16 (IPv6) bytes in network order. */
    public static IpAddress ofBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 4) {
            return new IpAddress(IpFamily.IPV4, 0, word(bytes, 0, 4));
        }
        if (bytes.length == 16) {
            return new IpAddress(IpFamily.IPV6, word(bytes, 0, 8), word(bytes, 8, 8));
        }
        throw new IllegalArgumentException("an IP address is 4 or 16 bytes, got " + bytes.length);
    }

    /** The address of {@code address}, by its bytes (host name and scope are dropped). */
    public static IpAddress of(InetAddress address) {
        return ofBytes(address.getAddress());
    }

    /** The unsigned value of the address. */
    public BigInteger value() {
        return unsigned(high, low);
    }

    /** 4 or 16 bytes in network order. */
    public byte[] bytes() {
        if (family == IpFamily.IPV4) {
            return new byte[] {(byte) (low >>> 24), (byte) (low >>> 16), (byte) (low >>> 8), (byte) low};
        }
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (high >>> (56 - 8 * i));
            out[8 + i] = (byte) (low >>> (56 - 8 * i));
        }
        return out;
    }

    /**
     * The same address as a {@link InetAddress}, made without a name lookup. Java turns an IPv4-mapped
     * IPv6 address ({@code ::ffff:a.b.c.d}) into an {@code Inet4Address}.
     */
    public InetAddress toInetAddress() {
        try {
            return InetAddress.getByAddress(bytes());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }

    /** {@code 0.0.0.0} or {@code ::}: "any address", never the address of a host. */
    public boolean isUnspecified() {
        return high == 0 && low == 0;
    }

    /** {@code 224.0.0.0/4} or {@code ff00::/8}. */
    public boolean isMulticast() {
        return family == IpFamily.IPV4 ? low >>> 28 == 0xe : high >>> 56 == 0xff;
    }

    /** The IPv4 limited broadcast address {@code 255.255.255.255}. */
    public boolean isBroadcast() {
        return family == IpFamily.IPV4 && low == 0xffff_ffffL;
    }

    /** {@code 127.0.0.0/8} or {@code ::1}. */
    public boolean isLoopback() {
        return family == IpFamily.IPV4 ? low >>> 24 == 127 : high == 0 && low == 1;
    }

    /** The address {@code offset} addresses further on; out of the family's range is refused. */
    public IpAddress plus(long offset) {
        return new IpAddress(family, value().add(BigInteger.valueOf(offset)));
    }

    /** IPv4 before IPv6, then by value. */
    @Override
    public int compareTo(IpAddress other) {
        int byFamily = family.compareTo(other.family);
        if (byFamily != 0) {
            return byFamily;
        }
        int byHigh = Long.compareUnsigned(high, other.high);
        return byHigh != 0 ? byHigh : Long.compareUnsigned(low, other.low);
    }

    /**
     * Dotted quad, or RFC 5952 text: lower case, no leading zeros in a group, the longest run of two or
     * more zero groups (the first of equal runs) written {@code ::}. An IPv4-mapped address is written in
     * hex groups too ({@code ::ffff:a00:1}), not in the mixed notation RFC 5952 section 5 recommends.
     */
    @Override
    public String toString() {
        if (family == IpFamily.IPV4) {
            return (low >>> 24) + "." + (low >>> 16 & 0xff) + "." + (low >>> 8 & 0xff) + "." + (low & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (high >>> (48 - 16 * i)) & 0xffff;
            groups[i + 4] = (int) (low >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!out.isEmpty() && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    private static BigInteger checked(IpFamily family, BigInteger value) {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(value, "value");
        if (value.signum() < 0 || value.bitLength() > family.bits()) {
            throw new IllegalArgumentException("value out of range for " + family.label() + ": " + value);
        }
        return value;
    }

    private static BigInteger unsigned(long high, long low) {
        return BigInteger.valueOf(high)
                .and(MASK_64)
                .shiftLeft(64)
                .or(BigInteger.valueOf(low).and(MASK_64));
    }

    private static long word(byte[] bytes, int from, int length) {
        long word = 0;
        for (int i = from; i < from + length; i++) {
            word = word << 8 | (bytes[i] & 0xff);
        }
        return word;
    }

    /** Four decimal octets without leading zeros, in one pass over the text (no split, no allocation). */
    private static long parseV4(String s, String original) {
        return parseV4(s, 0, s.length(), original);
    }

    private static long parseV4(String s, int from, int to, String original) {
        long value = 0;
        int octets = 0;
        int i = from;
        while (true) {
            int start = i;
            int octet = 0;
            while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                octet = octet * 10 + (s.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    throw malformed(original);
                }
            }
            int digits = i - start;
            if (digits == 0 || (digits > 1 && s.charAt(start) == '0') || octet > 255) {
                throw malformed(original);
            }
            value = (value << 8) | octet;
            octets++;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != '.' || octets == 4) {
                throw malformed(original);
            }
            i++;
        }
        if (octets != 4) {
            throw malformed(original);
        }
        return value;
    }

    /** The eight groups of an IPv6 literal. */
    private static int[] parseV6(String s, String original) {
        int doubleColon = s.indexOf("::");
        if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
            throw malformed(original);
        }
        String head = doubleColon >= 0 ? s.substring(0, doubleColon) : s;
        String tail = doubleColon >= 0 ? s.substring(doubleColon + 2) : "";
        int[] headGroups = groups(head, original, doubleColon < 0 || tail.isEmpty());
        int[] tailGroups = groups(tail, original, true);
        int total = headGroups.length + tailGroups.length;
        if ((doubleColon < 0 && total != 8) || (doubleColon >= 0 && total > 7)) {
            throw malformed(original);
        }
        int[] all = new int[8];
        System.arraycopy(headGroups, 0, all, 0, headGroups.length);
        System.arraycopy(tailGroups, 0, all, 8 - tailGroups.length, tailGroups.length);
        return all;
    }

    /** Hex groups of one side of "::"; an embedded IPv4 tail counts as two groups. One pass over the text. */
    private static int[] groups(String part, String original, boolean mayEndWithV4) {
        if (part.isEmpty()) {
            return new int[0];
        }
        int colons = 0;
        for (int i = 0; i < part.length(); i++) {
            if (part.charAt(i) == ':') {
                colons++;
            }
        }
        int lastStart = part.lastIndexOf(':') + 1;
        boolean v4Tail = mayEndWithV4 && part.indexOf('.', lastStart) >= 0;
        int[] result = new int[colons + 1 + (v4Tail ? 1 : 0)];
        int start = 0;
        for (int g = 0; g <= colons; g++) {
            int end = part.indexOf(':', start);
            if (end < 0) {
                end = part.length();
            }
            if (v4Tail && g == colons) {
                long v4 = parseV4(part, start, end, original);
                result[g] = (int) (v4 >>> 16);
                result[g + 1] = (int) (v4 & 0xffff);
                break;
            }
            if (end == start || end - start > 4) {
                throw malformed(original);
            }
            int group = 0;
            for (int i = start; i < end; i++) {
                char c = part.charAt(i);
                int digit = c < 128 ? Character.digit(c, 16) : -1;
                if (digit < 0) {
                    throw malformed(original);
                }
                group = (group << 4) | digit;
            }
            result[g] = group;
            start = end + 1;
        }
        return result;
    }

    private static IllegalArgumentException malformed(String text) {
        return new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address");
    }
}
