package dev.tendril.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Printing and parsing addresses and CIDRs round-trip for any value, and subnets tile their parent. */
class AddressPropertiesTest {

    @Provide
    Arbitrary<BigInteger> v6() {
        return Arbitraries.bigIntegers()
                .between(BigInteger.ZERO, BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE))
                .edgeCases(edges -> edges.add(BigInteger.ZERO));
    }

    @Property(tries = 500)
    void ipv6RoundTrips(@ForAll("v6") BigInteger value) {
        IpAddress address = new IpAddress(IpFamily.IPV6, value);
        assertThat(IpAddress.parse(address.toString())).isEqualTo(address);
        assertThat(address.toString()).doesNotContain(":::");
        assertThat(address.value()).isEqualTo(value);
        assertThat(IpAddress.ofBytes(address.bytes())).isEqualTo(address);
    }

    @Property(tries = 500)
    void ipv4RoundTrips(@ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int high, @ForAll boolean top) {
        long value = (top ? 1L << 31 : 0) | high;
        IpAddress address = new IpAddress(IpFamily.IPV4, BigInteger.valueOf(value));
        assertThat(IpAddress.parse(address.toString())).isEqualTo(address);
        assertThat(IpAddress.ofBytes(address.bytes())).isEqualTo(address);
    }

    @Property(tries = 300)
    void subnetsTileTheirParentInOrder(
            @ForAll("v6") BigInteger value,
            @ForAll @IntRange(min = 0, max = 112) int prefix,
            @ForAll @IntRange(min = 0, max = 16) int extra,
            @ForAll @IntRange(min = 0, max = 65535) int pick) {
        BigInteger base = value.shiftRight(128 - prefix).shiftLeft(128 - prefix);
        Cidr parent = new Cidr(new IpAddress(IpFamily.IPV6, base), prefix);
        int subPrefix = prefix + extra;
        long index = pick % parent.subnetCount(subPrefix);
        Cidr subnet = parent.subnet(index, subPrefix);
        assertThat(parent.contains(subnet)).isTrue();
        assertThat(parent.subnetIndex(subnet)).isEqualTo(index);
        assertThat(Cidr.parse(subnet.toString())).isEqualTo(subnet);
        if (index + 1 < parent.subnetCount(subPrefix)) {
            assertThat(subnet.overlaps(parent.subnet(index + 1, subPrefix))).isFalse();
        }
    }

    /** Containment by masks on two longs agrees with the arithmetic definition: same value once shifted. */
    @Property(tries = 500)
    void containmentAgreesWithArithmetic(
            @ForAll("v6") BigInteger network,
            @ForAll("v6") BigInteger candidate,
            @ForAll @IntRange(min = 0, max = 128) int prefix,
            @ForAll boolean near) {
        Cidr cidr = Cidr.masked(new IpAddress(IpFamily.IPV6, network), prefix);
        BigInteger probe = near ? cidr.network().value().or(candidate.shiftRight(prefix)) : candidate;
        IpAddress address = new IpAddress(IpFamily.IPV6, probe);
        int hostBits = 128 - prefix;
        boolean expected =
                probe.shiftRight(hostBits).equals(cidr.network().value().shiftRight(hostBits));
        assertThat(cidr.contains(address)).isEqualTo(expected);
        assertThat(cidr.last().value())
                .isEqualTo(cidr.network().value().add(cidr.size()).subtract(BigInteger.ONE));
    }

    @Property(tries = 300)
    void ipv4ContainmentAgreesWithArithmetic(
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int network,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int candidate,
            @ForAll @IntRange(min = 0, max = 32) int prefix,
            @ForAll boolean top) {
        long probe = (top ? 1L << 31 : 0) | candidate;
        Cidr cidr = Cidr.masked(new IpAddress(IpFamily.IPV4, 0, network), prefix);
        int hostBits = 32 - prefix;
        assertThat(cidr.contains(new IpAddress(IpFamily.IPV4, 0, probe)))
                .isEqualTo(probe >>> hostBits == cidr.network().low() >>> hostBits);
        assertThat(cidr.last().low()).isEqualTo(cidr.network().low() + (1L << hostBits) - 1);
    }
}
