package dev.tendril.ipam.domain;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A network prefix ({@code 10.0.0.0/8}, {@code fd00::/104}). Host bits must be zero: a CIDR written
 * with host bits set ({@code 10.0.0.1/8}) is refused rather than silently truncated.
 */
public record Cidr(IpAddress network, int prefix) implements Comparable<Cidr> {

    public Cidr {
        Objects.requireNonNull(network, "network");
        int bits = network.family().bits();
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix length /" + prefix + " out of range for "
                    + network.family().label());
        }
        if (network.value().and(hostMask(bits, prefix)).signum() != 0) {
            throw new IllegalArgumentException("'" + network + "/" + prefix
                    + "' has host bits set; the network is " + new IpAddress(network.family(),
                            network.value().andNot(hostMask(bits, prefix))) + "/" + prefix);
        }
    }

    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty CIDR");
        }
        String s = text.strip();
        int slash = s.indexOf('/');
        if (slash < 0 || slash == s.length() - 1 || !s.substring(slash + 1).chars().allMatch(Character::isDigit)
                || s.length() - slash > 4) {
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

    private static BigInteger hostMask(int bits, int prefix) {
        return BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
    }

    public IpFamily family() {
        return network.family();
    }

    public int hostBits() {
        return family().bits() - prefix;
    }

    /** Number of addresses, 2^(bits - prefix). */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(hostBits());
    }

    public IpAddress last() {
        return new IpAddress(family(), network.value().or(hostMask(family().bits(), prefix)));
    }

    public boolean contains(IpAddress address) {
        return address.family() == family()
                && address.value().shiftRight(hostBits()).equals(network.value().shiftRight(hostBits()));
    }

    public boolean contains(Cidr other) {
        return other.family() == family() && other.prefix >= prefix && contains(other.network);
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
        return 1L << (subPrefix - prefix);
    }

    /** The {@code index}-th subnet of length {@code subPrefix}. */
    public Cidr subnet(long index, int subPrefix) {
        BigInteger start = network.value().add(BigInteger.valueOf(index).shiftLeft(family().bits() - subPrefix));
        return new Cidr(new IpAddress(family(), start), subPrefix);
    }

    /** Which subnet of length {@code other.prefix()} {@code other} is. */
    public long subnetIndex(Cidr other) {
        return other.network.value().subtract(network.value()).shiftRight(family().bits() - other.prefix).longValue();
    }

    @Override
    public int compareTo(Cidr other) {
        int byNetwork = network.compareTo(other.network);
        return byNetwork != 0 ? byNetwork : Integer.compare(prefix, other.prefix);
    }

    @Override
    public String toString() {
        return network + "/" + prefix;
    }
}
