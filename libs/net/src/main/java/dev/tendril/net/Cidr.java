package dev.tendril.net;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A network prefix ({@code 10.0.0.0/8}, {@code fd00::/104}). Host bits must be zero: {@link #parse}
 * refuses a CIDR written with host bits set ({@code 10.0.0.1/8}) rather than silently truncating it;
 * {@link #parseMasked} and {@link #masked} clear them, for input where the API being modelled does.
 *
 * @param network the first address, host bits zero
 * @param prefixLength 0..32 (IPv4) or 0..128 (IPv6)
 */
public record Cidr(IpAddress network, int prefixLength) implements Comparable<Cidr> {

    public Cidr {
        Objects.requireNonNull(network, "network");
        checkLength(network.family(), prefixLength);
        if ((network.high() & ~highMask(network.family(), prefixLength)) != 0
                || (network.low() & ~lowMask(network.family(), prefixLength)) != 0) {
            throw new IllegalArgumentException("'" + network + "/" + prefixLength
                    + "' has host bits set; the network is " + masked(network, prefixLength));
        }
    }

    /** {@code address/prefix-length}, host bits zero; a bare address is refused. */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty CIDR");
        }
        String s = text.strip();
        int slash = s.indexOf('/');
        if (slash < 0 || slash == s.length() - 1 || !digits(s.substring(slash + 1)) || s.length() - slash > 4) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR (address/prefix-length)");
        }
        IpAddress address;
        try {
            address = IpAddress.parse(s.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR: " + e.getMessage());
        }
        return new Cidr(address, Integer.parseInt(s.substring(slash + 1)));
    }

    /**
     * {@code address/prefix-length} with host bits cleared ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}, as
     * Kubernetes reads an ipBlock), or a bare address as its host prefix ({@code /32} or {@code /128}).
     */
    public static Cidr parseMasked(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("must be a CIDR such as 10.0.0.0/8");
        }
        int slash = text.indexOf('/');
        IpAddress address;
        try {
            address = IpAddress.parse(slash < 0 ? text : text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR such as 10.0.0.0/8");
        }
        String length = slash < 0 ? "" : text.substring(slash + 1);
        if (slash >= 0 && (!digits(length) || length.length() > 3)) {
            throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
        }
        return masked(address, slash < 0 ? address.family().bits() : Integer.parseInt(length));
    }

    /** The prefix of length {@code prefixLength} that holds {@code address}. */
    public static Cidr masked(IpAddress address, int prefixLength) {
        Objects.requireNonNull(address, "address");
        checkLength(address.family(), prefixLength);
        return new Cidr(
                new IpAddress(
                        address.family(),
                        address.high() & highMask(address.family(), prefixLength),
                        address.low() & lowMask(address.family(), prefixLength)),
                prefixLength);
    }

    public IpFamily family() {
        return network.family();
    }

    public int hostBits() {
        return family().bits() - prefixLength;
    }

    /** Number of addresses, 2^(bits - prefix length). */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(hostBits());
    }

    /** The last address: all host bits set (for IPv4, the subnet's broadcast address). */
    public IpAddress last() {
        IpFamily family = family();
        if (family == IpFamily.IPV4) {
            return new IpAddress(family, 0, network.low() | ~lowMask(family, prefixLength) & 0xffff_ffffL);
        }
        return new IpAddress(
                family,
                network.high() | ~highMask(family, prefixLength),
                network.low() | ~lowMask(family, prefixLength));
    }

    public boolean contains(IpAddress address) {
        IpFamily family = family();
        return address.family() == family
                && (address.high() & highMask(family, prefixLength)) == network.high()
                && (address.low() & lowMask(family, prefixLength)) == network.low();
    }

    /** True if every address of {@code other} lies in this prefix (same family, not shorter). */
    public boolean contains(Cidr other) {
        return other.family() == family() && other.prefixLength >= prefixLength && contains(other.network);
    }

    public boolean overlaps(Cidr other) {
        return contains(other) || other.contains(this);
    }

    /** The address {@code offset} addresses after the network address. */
    public IpAddress addressAt(long offset) {
        return network.plus(offset);
    }

    /** How far {@code address} (which must be inside) is from the network address. */
    public long offsetOf(IpAddress address) {
        if (!contains(address)) {
            throw new IllegalArgumentException(address + " is not in " + this);
        }
        return address.value().subtract(network.value()).longValue();
    }

    /** How many subnets of {@code subPrefix} this CIDR holds. */
    public long subnetCount(int subPrefix) {
        return 1L << (subPrefix - prefixLength);
    }

    /** The {@code index}-th subnet of length {@code subPrefix}. */
    public Cidr subnet(long index, int subPrefix) {
        BigInteger start = network.value().add(BigInteger.valueOf(index).shiftLeft(family().bits() - subPrefix));
        return new Cidr(new IpAddress(family(), start), subPrefix);
    }

    /** Which subnet of length {@code other.prefixLength()} {@code other} is. */
    public long subnetIndex(Cidr other) {
        return other.network
                .value()
                .subtract(network.value())
                .shiftRight(family().bits() - other.prefixLength)
                .longValue();
    }

    /** By network address, then the shorter prefix first. */
    @Override
    public int compareTo(Cidr other) {
        int byNetwork = network.compareTo(other.network);
        return byNetwork != 0 ? byNetwork : Integer.compare(prefixLength, other.prefixLength);
    }

    @Override
    public String toString() {
        return network + "/" + prefixLength;
    }

    private static void checkLength(IpFamily family, int prefixLength) {
        if (prefixLength < 0 || prefixLength > family.bits()) {
            throw new IllegalArgumentException("prefix length /" + prefixLength + " out of range for " + family.label()
                    + " (0.." + family.bits() + ")");
        }
    }

    private static boolean digits(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** The network bits of {@link IpAddress#high()}: none for IPv4, the first min(length, 64) for IPv6. */
    private static long highMask(IpFamily family, int prefixLength) {
        return family == IpFamily.IPV4 ? 0 : leadingOnes(64, prefixLength);
    }

    /** The network bits of {@link IpAddress#low()}. */
    private static long lowMask(IpFamily family, int prefixLength) {
        return family == IpFamily.IPV4 ? leadingOnes(32, prefixLength) : leadingOnes(64, prefixLength - 64);
    }

    /** The top {@code count} of the low {@code width} bits set, {@code count} clamped to 0..width. */
    private static long leadingOnes(int width, int count) {
        long all = width == 64 ? -1L : (1L << width) - 1;
        if (count <= 0) {
            return 0;
        }
        if (count >= width) {
            return all;
        }
        return all & ~((1L << (width - count)) - 1);
    }
}
