package dev.tendril.ipam.domain;

import java.math.BigInteger;
import java.util.Objects;

/**
 * One IPv4 or IPv6 address as an unsigned number of its family's width. Parsing accepts only literal
 * addresses (never host names, so nothing here can trigger a DNS lookup); {@link #toString()} writes
 * dotted quads and RFC 5952 compressed IPv6.
 */
public record IpAddress(IpFamily family, BigInteger value) implements Comparable<IpAddress> {

    public IpAddress {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(value, "value");
        if (value.signum() < 0 || value.bitLength() > family.bits()) {
            throw new IllegalArgumentException("value out of range for " + family.label() + ": " + value);
        }
    }

    /** Parses a literal IPv4 ({@code 10.0.0.1}) or IPv6 ({@code fd00::1}) address. */
    public static IpAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty IP address");
        }
        String s = text.strip();
        if (s.indexOf(':') >= 0) {
            return new IpAddress(IpFamily.IPV6, parseV6(s, text));
        }
        return new IpAddress(IpFamily.IPV4, BigInteger.valueOf(parseV4(s, text)));
    }

    private static long parseV4(String s, String original) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw malformed(original);
        }
        long value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
                    || (part.length() > 1 && part.charAt(0) == '0')) {
                throw malformed(original);
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw malformed(original);
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    private static BigInteger parseV6(String s, String original) {
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
        BigInteger value = BigInteger.ZERO;
        for (int group : all) {
            value = value.shiftLeft(16).or(BigInteger.valueOf(group));
        }
        return value;
    }

    /** Hex groups of one side of "::"; an embedded IPv4 tail counts as two groups. */
    private static int[] groups(String part, String original, boolean mayEndWithV4) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] texts = part.split(":", -1);
        boolean v4Tail = mayEndWithV4 && texts[texts.length - 1].contains(".");
        int[] result = new int[texts.length + (v4Tail ? 1 : 0)];
        for (int i = 0; i < texts.length; i++) {
            String t = texts[i];
            if (v4Tail && i == texts.length - 1) {
                long v4 = parseV4(t, original);
                result[i] = (int) (v4 >>> 16);
                result[i + 1] = (int) (v4 & 0xffff);
                break;
            }
            if (t.isEmpty() || t.length() > 4) {
                throw malformed(original);
            }
            int group = 0;
            for (char c : t.toCharArray()) {
                int digit = Character.digit(c, 16);
                if (digit < 0) {
                    throw malformed(original);
                }
                group = (group << 4) | digit;
            }
            result[i] = group;
        }
        return result;
    }

    private static IllegalArgumentException malformed(String text) {
        return new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address");
    }

    /** {@code 0.0.0.0} or {@code ::}: "any address", never the address of a host. */
    public boolean isUnspecified() {
        return value.signum() == 0;
    }

    /** {@code 224.0.0.0/4} or {@code ff00::/8}. */
    public boolean isMulticast() {
        return family == IpFamily.IPV4 ? value.shiftRight(28).intValue() == 0xe : value.shiftRight(120).intValue() == 0xff;
    }

    /** The IPv4 limited broadcast address {@code 255.255.255.255}. */
    public boolean isBroadcast() {
        return family == IpFamily.IPV4 && value.longValue() == 0xffff_ffffL;
    }

    /** {@code 127.0.0.0/8} or {@code ::1}. */
    public boolean isLoopback() {
        return family == IpFamily.IPV4 ? value.shiftRight(24).intValue() == 127 : value.equals(BigInteger.ONE);
    }

    public IpAddress plus(long offset) {
        return new IpAddress(family, value.add(BigInteger.valueOf(offset)));
    }

    @Override
    public int compareTo(IpAddress other) {
        int byFamily = family.compareTo(other.family);
        return byFamily != 0 ? byFamily : value.compareTo(other.value);
    }

    @Override
    public String toString() {
        if (family == IpFamily.IPV4) {
            long v = value.longValue();
            return ((v >>> 24) & 0xff) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = value.shiftRight(16 * (7 - i)).intValue() & 0xffff;
        }
        // RFC 5952: compress the longest run (leftmost on ties) of two or more zero groups.
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
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}
