package dev.tendril.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @Test
    void refusesACidrWithHostBitsSetNamingTheNetwork() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.1/8"))
                .hasMessageContaining("host bits set")
                .hasMessageContaining("10.0.0.0/8");
        assertThatThrownBy(() -> Cidr.parse("fd00::1:0/104"))
                .hasMessageContaining("host bits set")
                .hasMessageContaining("fd00::/104");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "fd00::/129", "x/8", "10.0.0.0/-1", "10.0.0.0/0008"})
    void refusesMalformedCidrs(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cutsSubnetsAndFindsTheirIndex() {
        Cidr pool = Cidr.parse("10.0.0.0/8");
        assertThat(pool.subnetCount(24)).isEqualTo(65536);
        Cidr third = pool.subnet(2, 24);
        assertThat(third).hasToString("10.0.2.0/24");
        assertThat(pool.subnetIndex(third)).isEqualTo(2);
        assertThat(pool.subnet(65535, 24)).hasToString("10.255.255.0/24");
        Cidr v6 = Cidr.parse("fd00::/104");
        assertThat(v6.subnet(1, 120)).hasToString("fd00::100/120");
        assertThat(v6.size()).isEqualTo(BigInteger.ONE.shiftLeft(24));
    }

    @Test
    void knowsContainmentAndOverlap() {
        Cidr a = Cidr.parse("10.0.0.0/8");
        assertThat(a.overlaps(Cidr.parse("10.1.0.0/16"))).isTrue();
        assertThat(Cidr.parse("10.1.0.0/16").overlaps(a)).isTrue();
        assertThat(a.overlaps(Cidr.parse("11.0.0.0/8"))).isFalse();
        assertThat(a.overlaps(Cidr.parse("fd00::/8"))).isFalse();
        assertThat(Cidr.parse("10.0.1.0/24").last()).hasToString("10.0.1.255");
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
        "10.0.0.0/8, 10.1.0.0/16, true",
        "10.0.0.0/8, 10.0.0.0/8, true",
        "10.1.0.0/16, 10.0.0.0/8, false",
        "10.0.0.0/8, 11.0.0.0/16, false",
        "0.0.0.0/0, 192.168.1.0/24, true",
        "0.0.0.0/0, 2001:db8::/32, false",
        "::/0, 10.0.0.0/8, false",
        "2001:db8::/32, 2001:db8:1::/48, true",
        "2001:db8::/32, 2001:db9::/48, false",
        "2001:db8::/63, 2001:db8:0:1::/64, true",
        "2001:db8::/63, 2001:db8:0:2::/64, false",
        "2001:db8::/65, 2001:db8::7fff:0:0:0/80, true",
        "2001:db8::/65, 2001:db8::8000:0:0:0/80, false",
        "fd00::5/128, fd00::5/128, true"
    })
    void contains(String outer, String inner, boolean expected) {
        assertThat(Cidr.parse(outer).contains(Cidr.parse(inner))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} holds {1}: {2}")
    @CsvSource({
        "10.0.0.0/8, 10.255.255.255, true",
        "10.0.0.0/8, 11.0.0.0, false",
        "0.0.0.0/0, 255.255.255.255, true",
        "0.0.0.0/0, ::, false",
        "10.0.1.7/32, 10.0.1.7, true",
        "10.0.1.7/32, 10.0.1.6, false",
        "fd00::/8, fdff:ffff::1, true",
        "fd00::/8, fe00::, false",
        "2001:db8::/96, 2001:db8::ffff:ffff, true",
        "2001:db8::/96, 2001:db8::1:0:0, false",
        "::/0, ffff::ffff, true"
    })
    void holdsAddresses(String cidr, String address, boolean expected) {
        assertThat(Cidr.parse(cidr).contains(IpAddress.parse(address))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}: network {1}, last {2}")
    @CsvSource({
        "10.0.1.0/24, 10.0.1.0, 10.0.1.255",
        "0.0.0.0/0, 0.0.0.0, 255.255.255.255",
        "192.0.2.7/32, 192.0.2.7, 192.0.2.7",
        "10.128.0.0/9, 10.128.0.0, 10.255.255.255",
        "fd00::/104, fd00::, fd00::ff:ffff",
        "2001:db8::/63, 2001:db8::, 2001:db8:0:1:ffff:ffff:ffff:ffff",
        "::/0, ::, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
    })
    void knowsItsFirstAndLastAddress(String text, String network, String last) {
        Cidr cidr = Cidr.parse(text);
        assertThat(cidr.network()).hasToString(network);
        assertThat(cidr.last()).hasToString(last);
        assertThat(cidr.hostBits()).isEqualTo(cidr.family().bits() - cidr.prefixLength());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "10.1.2.3/8, 10.0.0.0/8",
        "192.168.1.7, 192.168.1.7/32",
        "10.255.255.255/9, 10.128.0.0/9",
        "fd00::1, fd00::1/128",
        "2001:db8:1:2::3/33, 2001:db8::/33"
    })
    void parseMaskedClearsHostBits(String text, String canonical) {
        assertThat(Cidr.parseMasked(text)).isEqualTo(Cidr.parseMasked(canonical));
        assertThat(Cidr.parseMasked(text).toString()).isEqualTo(canonical);
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/33",
        "10.0.0/8",
        "example.com/8",
        "10.0.0.0/x",
        "''",
        "fd00::/129",
        "010.0.0.0/8",
        "10.0.0.0/-1"
    })
    void rejectsNonCidrs(String text) {
        assertThatThrownBy(() -> Cidr.parseMasked(text)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void masksAnAddressToItsPrefix() {
        assertThat(Cidr.masked(IpAddress.parse("10.1.2.3"), 16)).isEqualTo(Cidr.parse("10.1.0.0/16"));
        assertThat(Cidr.masked(IpAddress.parse("2001:db8:aaaa:bbbb:cccc::1"), 72))
                .hasToString("2001:db8:aaaa:bbbb:cc00::/72");
        assertThatThrownBy(() -> Cidr.masked(IpAddress.parse("10.0.0.0"), 33))
                .hasMessageContaining("out of range for ipv4 (0..32)");
        assertThatThrownBy(() -> Cidr.parseMasked("fd00::/129")).hasMessageContaining("out of range for ipv6 (0..128)");
    }

    @Test
    void findsOffsetsInside() {
        Cidr cidr = Cidr.parse("10.0.1.0/24");
        assertThat(cidr.addressAt(5)).hasToString("10.0.1.5");
        assertThat(cidr.offsetOf(IpAddress.parse("10.0.1.200"))).isEqualTo(200);
        assertThatThrownBy(() -> cidr.offsetOf(IpAddress.parse("10.0.2.0")))
                .hasMessageContaining("is not in 10.0.1.0/24");
    }

    @Test
    void ordersByNetworkThenShorterPrefixFirst() {
        assertThat(java.util.stream.Stream.of("10.0.0.0/16", "fd00::/8", "10.0.0.0/8", "9.0.0.0/8")
                        .map(Cidr::parse)
                        .sorted())
                .extracting(Cidr::toString)
                .containsExactly("9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "fd00::/8");
    }
}
