package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/**
 * An endpoint's addresses: at most one IPv4 and one IPv6, each a literal (no name resolution), kept in
 * canonical form so that one address always has one spelling.
 */
public record IpAddresses(String ipv4, String ipv6) {

    public static IpAddresses parse(List<String> ips) {
        if (ips == null || ips.isEmpty()) {
            throw CommandRejectedException.invalid("ips", "an endpoint needs at least one IP address");
        }
        String v4 = null;
        String v6 = null;
        for (String text : ips) {
            InetAddress address = literal(text);
            if (address instanceof Inet4Address) {
                if (v4 != null) {
                    throw CommandRejectedException.invalid("ips", "at most one IPv4 address per endpoint");
                }
                v4 = address.getHostAddress();
            } else {
                if (v6 != null) {
                    throw CommandRejectedException.invalid("ips", "at most one IPv6 address per endpoint");
                }
                v6 = compress(address.getHostAddress());
            }
        }
        return new IpAddresses(v4, v6);
    }

    public List<String> all() {
        return java.util.stream.Stream.of(ipv4, ipv6).filter(java.util.Objects::nonNull).toList();
    }

    private static InetAddress literal(String text) {
        if (text == null || text.isBlank() || text.contains("/") || text.contains("%")) {
            throw CommandRejectedException.invalid("ips", "'" + text + "' is not an IP address");
        }
        try {
            InetAddress address = InetAddress.ofLiteral(text.strip());
            if (address instanceof Inet6Address v6 && v6.getHostAddress().startsWith("0:0:0:0:0:ffff:")) {
                throw CommandRejectedException.invalid("ips", "'" + text + "' is an IPv4-mapped address; use IPv4");
            }
            return address;
        } catch (IllegalArgumentException e) {
            throw CommandRejectedException.invalid("ips", "'" + text + "' is not an IP address");
        }
    }

    /** RFC 5952 form: lower case, longest run of zero groups (two or more) written {@code ::}. */
    static String compress(String full) {
        String[] groups = full.toLowerCase(java.util.Locale.ROOT).split(":");
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < groups.length; i++) {
            int j = i;
            while (j < groups.length && groups[j].equals("0")) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        if (bestLength < 2) {
            return String.join(":", groups);
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail;
    }
}
