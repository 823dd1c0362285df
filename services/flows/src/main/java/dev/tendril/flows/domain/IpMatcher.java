package dev.tendril.flows.domain;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;

/** An exact address or a CIDR prefix ({@code 10.0.0.1}, {@code 10.0.0.0/8}, {@code fd00::/64}); host bits are ignored. */
public final class IpMatcher {

    private final Cidr prefix;

    private IpMatcher(Cidr prefix) {
        this.prefix = prefix;
    }

    public static IpMatcher parse(String text, String field) {
        String value = text.trim();
        int slash = value.indexOf('/');
        IpAddress address = IpAddress.parseOrNull(slash < 0 ? value : value.substring(0, slash));
        if (address == null) {
            throw new InvalidFilterException(field, "'" + text + "' is not an IP address or CIDR");
        }
        try {
            return new IpMatcher(Cidr.parseMasked(value));
        } catch (IllegalArgumentException e) {
            throw new InvalidFilterException(
                    field,
                    "'" + text + "' has an invalid prefix length (0.."
                            + address.family().bits() + ")");
        }
    }

    /** False for a flow without an address (null). */
    public boolean matches(IpAddress address) {
        return address != null && prefix.contains(address);
    }
}
