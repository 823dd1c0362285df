package dev.tendril.flows.domain;

import java.net.InetAddress;
import java.util.Arrays;

/** An IP address in text (as the flow carries it) and bytes (for CIDR matching); no DNS lookups. */
public final class IpAddress {

    public static final IpAddress NONE = new IpAddress("", new byte[0]);

    private final String text;
    private final byte[] bytes;

    private IpAddress(String text, byte[] bytes) {
        this.text = text;
        this.bytes = bytes;
    }

    /** Null when {@code text} is not an IPv4 or IPv6 literal. */
    public static IpAddress parseOrNull(String text) {
        if (text == null || text.isEmpty()) {
            return NONE;
        }
        if (!looksLikeLiteral(text)) {
            return null;
        }
        try {
            return new IpAddress(text, InetAddress.ofLiteral(text).getAddress());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static boolean looksLikeLiteral(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
                return false;
            }
        }
        return true;
    }

    public String text() {
        return text;
    }

    byte[] bytes() {
        return bytes;
    }

    public boolean isV4() {
        return bytes.length == 4;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress other && Arrays.equals(bytes, other.bytes) && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
