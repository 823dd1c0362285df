package dev.tendril.flows.domain;

/** An exact address or a CIDR prefix ({@code 10.0.0.1}, {@code 10.0.0.0/8}, {@code fd00::/64}). */
public final class IpMatcher {

    private final byte[] prefix;
    private final int bits;

    private IpMatcher(byte[] prefix, int bits) {
        this.prefix = prefix;
        this.bits = bits;
    }

    public static IpMatcher parse(String text, String field) {
        String value = text.trim();
        int slash = value.indexOf('/');
        IpAddress address = IpAddress.parseOrNull(slash < 0 ? value : value.substring(0, slash));
        if (address == null || address == IpAddress.NONE) {
            throw new InvalidFilterException(field, "'" + text + "' is not an IP address or CIDR");
        }
        int max = address.bytes().length * 8;
        int bits = max;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(value.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > max) {
                throw new InvalidFilterException(field, "'" + text + "' has an invalid prefix length (0.." + max + ")");
            }
        }
        return new IpMatcher(address.bytes(), bits);
    }

    public boolean matches(IpAddress address) {
        byte[] candidate = address.bytes();
        if (candidate.length != prefix.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (candidate[i] != prefix[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (candidate[full] & mask) == (prefix[full] & mask);
    }
}
