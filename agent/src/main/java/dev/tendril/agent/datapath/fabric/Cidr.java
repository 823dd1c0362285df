package dev.tendril.agent.datapath.fabric;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 prefix, as the fabric's routes and checks need it. */
record Cidr(InetAddress network, int bits) {

    Cidr {
        int max = network.getAddress().length * 8;
        if (bits < 0 || bits > max) {
            throw new IllegalArgumentException("prefix length " + bits + " out of 0.." + max);
        }
        network = masked(network, bits);
    }

    static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a CIDR (address/length): " + text);
        }
        try {
            return new Cidr(literal(text.substring(0, slash)), Integer.parseInt(text.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a CIDR (address/length): " + text);
        }
    }

    /** The one-address prefix of {@code address} (a /32 or a /128). */
    static Cidr host(InetAddress address) {
        return new Cidr(address, address.getAddress().length * 8);
    }

    boolean ipv4() {
        return network instanceof Inet4Address;
    }

    boolean contains(InetAddress address) {
        return address.getClass() == network.getClass() && masked(address, bits).equals(network);
    }

    boolean overlaps(Cidr other) {
        return other.ipv4() == ipv4() && (contains(other.network) || other.contains(network));
    }

    /** {@code address/bits} in ip(8)'s form. */
    static String text(InetAddress address, int bits) {
        return Names.text(address) + "/" + bits;
    }

    @Override
    public String toString() {
        return text(network, bits);
    }

    /** An address literal (never a name lookup). */
    static InetAddress literal(String text) {
        if (!(text.indexOf(':') >= 0 || text.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + text, e);
        }
    }

    private static InetAddress masked(InetAddress address, int bits) {
        byte[] b = address.getAddress();
        int width = b.length * 8;
        BigInteger mask = bits == 0 ? BigInteger.ZERO
                : BigInteger.ONE.shiftLeft(width).subtract(BigInteger.ONE).shiftRight(width - bits).shiftLeft(width - bits);
        byte[] raw = new BigInteger(1, b).and(mask).toByteArray();
        byte[] out = new byte[b.length];
        int n = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - n, out, out.length - n, n);
        try {
            return InetAddress.getByAddress(out);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
