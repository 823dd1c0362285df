package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.net.IpAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An endpoint's addresses: at most one IPv4 and one IPv6, each a literal (no name resolution), kept in
 * canonical form so that one address always has one spelling. Only addresses a pod can have: no
 * unspecified, loopback, link-local, multicast or broadcast address; IPv4 strictly dotted-quad without
 * leading zeros, as Go's net/netip (which Kubernetes uses) reads it.
 */
public record IpAddresses(String ipv4, String ipv6) {

    private static final Pattern DOTTED_QUAD = Pattern.compile("((0|[1-9][0-9]{0,2})\\.){3}(0|[1-9][0-9]{0,2})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:]+(:" + DOTTED_QUAD.pattern() + ")?");

    /** Validates the request's {@code ips}; a refusal names the element, e.g. {@code ips[1]}. */
    public static IpAddresses parse(List<String> ips) {
        if (ips == null || ips.isEmpty()) {
            throw CommandRejectedException.invalid("ips", "an endpoint needs at least one IP address");
        }
        String v4 = null;
        String v6 = null;
        for (int i = 0; i < ips.size(); i++) {
            String field = "ips[" + i + "]";
            InetAddress address = literal(ips.get(i), field);
            if (address instanceof Inet4Address) {
                if (v4 != null) {
                    throw CommandRejectedException.invalid(field, "at most one IPv4 address per endpoint");
                }
                v4 = address.getHostAddress();
            } else {
                if (v6 != null) {
                    throw CommandRejectedException.invalid(field, "at most one IPv6 address per endpoint");
                }
                v6 = IpAddress.of(address).toString();
            }
        }
        return new IpAddresses(v4, v6);
    }

    public List<String> all() {
        return java.util.stream.Stream.of(ipv4, ipv6)
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    private static InetAddress literal(String text, String field) {
        if (text == null) {
            throw CommandRejectedException.invalid(field, "an IP address must not be null");
        }
        boolean v4 = DOTTED_QUAD.matcher(text).matches();
        if (!v4 && !(text.contains(":") && IPV6.matcher(text).matches())) {
            throw CommandRejectedException.invalid(
                    field,
                    LabelSyntax.quote(text) + " is not an IP address"
                            + " (IPv4 a.b.c.d without leading zeros, or IPv6; no prefix length, zone or spaces)");
        }
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw CommandRejectedException.invalid(field, LabelSyntax.quote(text) + " is not an IP address");
        }
        if (!v4 && address instanceof Inet4Address) {
            throw CommandRejectedException.invalid(
                    field, LabelSyntax.quote(text) + " is an IPv4-mapped address; use IPv4");
        }
        String kind = address.isAnyLocalAddress()
                ? "the unspecified address"
                : address.isLoopbackAddress()
                        ? "a loopback address"
                        : address.isMulticastAddress()
                                ? "a multicast address"
                                : address.isLinkLocalAddress()
                                        ? "a link-local address"
                                        : text.equals("255.255.255.255") ? "the broadcast address" : null;
        if (kind != null) {
            throw CommandRejectedException.invalid(
                    field, LabelSyntax.quote(text) + " is " + kind + ", which no pod can have");
        }
        return address;
    }
}
