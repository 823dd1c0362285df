package dev.tendril.policy.domain;

import java.net.InetAddress;

/**
 * An IPv4 or IPv6 prefix with its host bits cleared, e.g. {@code 10.0.0.0/8}.
 *
 * @param address the network address in canonical text form
 * @param prefixLength 0..32 (IPv4) or 0..128 (IPv6)
 */
public record Cidr(String address, int prefixLength) {

    public Cidr {
        byte[] bytes = bytes(address);
        if (prefixLength < 0 || prefixLength > bytes.length * 8) {
            throw new IllegalArgumentException("prefix length must be 0.." + bytes.length * 8 + ", got " + prefixLength);
        }
        address = canonical(mask(bytes, prefixLength));
    }

    /**
     * Parses {@code addr/len}; a bare address is a host prefix. Host bits are cleared, as Kubernetes does
     * when it parses an ipBlock.
     *
     * @throws IllegalArgumentException if the text is not a CIDR
     */
    public static Cidr parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("must be a CIDR such as 10.0.0.0/8");
        }
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        if (!addr.matches("[0-9a-fA-F:.]+") || (!addr.contains(":") && !addr.matches("(\\d{1,3}\\.){3}\\d{1,3}"))) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR such as 10.0.0.0/8");
        }
        byte[] bytes = bytes(addr);
        if (slash >= 0 && !text.substring(slash + 1).matches("\\d{1,3}")) {
            throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
        }
        int len = slash < 0 ? bytes.length * 8 : Integer.parseInt(text.substring(slash + 1));
        return new Cidr(addr, len);
    }

    public boolean ipv4() {
        return bytes(address).length == 4;
    }

    /** True if every address of {@code other} lies in this prefix (same family, not shorter). */
    public boolean contains(Cidr other) {
        byte[] mine = bytes(address);
        byte[] theirs = bytes(other.address);
        if (mine.length != theirs.length || other.prefixLength < prefixLength) {
            return false;
        }
        return java.util.Arrays.equals(mine, mask(theirs, prefixLength));
    }

    private static byte[] bytes(String address) {
        try {
            return InetAddress.ofLiteral(address).getAddress();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + address + "' is not an IP address");
        }
    }

    private static byte[] mask(byte[] in, int bits) {
        byte[] out = in.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            out[i] = (byte) (out[i] & (0xFF00 >> keep));
        }
        return out;
    }

    private static String canonical(byte[] bytes) {
        try {
            InetAddress a = InetAddress.getByAddress(bytes);
            return a.getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public String toString() {
        return address + "/" + prefixLength;
    }
}
