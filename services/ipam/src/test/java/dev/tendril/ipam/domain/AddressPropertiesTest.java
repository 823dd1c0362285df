package dev.tendril.ipam.domain;

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
        return Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE))
                .edgeCases(edges -> edges.add(BigInteger.ZERO));
    }

    @Property(tries = 500)
    void ipv6RoundTrips(@ForAll("v6") BigInteger value) {
        IpAddress address = new IpAddress(IpFamily.IPV6, value);
        assertThat(IpAddress.parse(address.toString())).isEqualTo(address);
        assertThat(address.toString()).doesNotContain(":::");
    }

    @Property(tries = 500)
    void ipv4RoundTrips(@ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int high, @ForAll boolean top) {
        long value = (top ? 1L << 31 : 0) | high;
        IpAddress address = new IpAddress(IpFamily.IPV4, BigInteger.valueOf(value));
        assertThat(IpAddress.parse(address.toString())).isEqualTo(address);
    }

    @Property(tries = 300)
    void subnetsTileTheirParentInOrder(@ForAll("v6") BigInteger value, @ForAll @IntRange(min = 0, max = 112) int prefix,
            @ForAll @IntRange(min = 0, max = 16) int extra, @ForAll @IntRange(min = 0, max = 65535) int pick) {
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
}
