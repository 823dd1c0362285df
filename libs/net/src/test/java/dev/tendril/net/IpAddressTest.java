package dev.tendril.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {

    @ParameterizedTest(name = "{0} prints as {1}")
    @CsvSource({
        "10.0.0.1, 10.0.0.1",
        "255.255.255.255, 255.255.255.255",
        "0.0.0.0, 0.0.0.0",
        "fd00::1, fd00::1",
        "FD00:0:0:0:0:0:0:1, fd00::1",
        "::, ::",
        "::1, ::1",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "::ffff:10.0.0.1, ::ffff:a00:1",
    })
    void parsesAndPrintsAddressesCanonically(String text, String printed) {
        assertThat(IpAddress.parse(text).toString()).isEqualTo(printed);
        assertThat(IpAddress.parse(printed)).isEqualTo(IpAddress.parse(text));
    }

    /** RFC 5952 section 4, each case worked out by hand from the rules. */
    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "the documentation example             | 2001:0db8:0000:0000:0000:0000:0000:0001 | 2001:db8::1",
                "leading zeros suppressed (4.1)        | 2001:0db8:00aa:000b:0c00:0000:0000:0001 | 2001:db8:aa:b:c00::1",
                "a group of zeros is one 0 (4.1)       | 2001:db8:0000:1:1:1:1:1                 | 2001:db8:0:1:1:1:1:1",
                ":: shortens as much as possible (4.2.1) | 2001:db8:0:0:0:0:2:1                  | 2001:db8::2:1",
                "no :: for one zero group (4.2.2)      | 2001:db8:0:1:1:1:1:1                    | 2001:db8:0:1:1:1:1:1",
                "the longest zero run (4.2.3)          | 2001:0:0:1:0:0:0:1                      | 2001:0:0:1::1",
                "the first of equal runs (4.2.3)       | 2001:db8:0:0:1:0:0:1                    | 2001:db8::1:0:0:1",
                "lower case (4.3)                      | 2001:DB8:0:0:0:0:0:ABCD                 | 2001:db8::abcd",
                "a leading run                         | 0:0:0:0:0:0:0:1                         | ::1",
                "a trailing run                        | 1:0:0:0:0:0:0:0                         | 1::",
                "a run in the middle ends with a group | fe80:0:0:0:0:0:0:5                      | fe80::5",
                "all zeros                             | 0:0:0:0:0:0:0:0                         | ::",
                "no zero group                         | 1:2:3:4:5:6:7:8                         | 1:2:3:4:5:6:7:8",
                "v4-mapped, written in hex groups      | ::ffff:192.0.2.1                        | ::ffff:c000:201",
                "NAT64 with an embedded dotted quad    | 64:ff9b::192.0.2.33                     | 64:ff9b::c000:221",
                "a compressed input, re-compressed     | 2001:db8::0:1:0:0:0                     | 2001:db8:0:0:1::",
            })
    void printsRfc5952Text(String rule, String text, String printed) {
        assertThat(IpAddress.parse(text)).hasToString(printed);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "10.0.0",
                "10.0.0.256",
                "10.0.0.01",
                "1:2:3:4:5:6:7:8:9",
                "fd00:::1",
                "fd00::1::2",
                "localhost",
                "g::1",
                "10.0.0.1.2",
                "12345::"
            })
    void refusesMalformedAddresses(String text) {
        assertThatThrownBy(() -> IpAddress.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    /** What Java's InetAddress.ofLiteral would take but Go's net/netip (and so Kubernetes) refuses. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "010.0.0.1",
                "1.2.3",
                "10.1",
                "167772161",
                "fd00::1%eth0",
                "[::1]",
                "\u0661\u0660.0.0.1",
                "fd00::\uff41",
                "1:2:3:4:5:6:7::8",
                "64:ff9b::010.0.0.1"
            })
    void refusesWhatOnlyLenientParsersRead(String text) {
        assertThatThrownBy(() -> IpAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not an IPv4 or IPv6 address");
    }

    @Test
    void parseOrNullSaysNothingForMissingOrUnreadableText() {
        assertThat(IpAddress.parseOrNull(null)).isNull();
        assertThat(IpAddress.parseOrNull("")).isNull();
        assertThat(IpAddress.parseOrNull("not-an-ip")).isNull();
        assertThat(IpAddress.parseOrNull("10.0.0.1")).isEqualTo(IpAddress.parse("10.0.0.1"));
    }

    @Test
    void bytesAreNetworkOrderAndRoundTrip() throws Exception {
        assertThat(IpAddress.parse("10.1.2.3").bytes()).containsExactly(10, 1, 2, 3);
        assertThat(IpAddress.parse("2001:db8::1").bytes())
                .containsExactly(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
        for (String text : List.of(
                "0.0.0.0",
                "255.255.255.255",
                "192.0.2.1",
                "::",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "8000::1",
                "::8000:0:0:1")) {
            IpAddress address = IpAddress.parse(text);
            assertThat(IpAddress.ofBytes(address.bytes())).isEqualTo(address);
            assertThat(IpAddress.of(InetAddress.getByAddress(address.bytes()))).isEqualTo(address);
            assertThat(address.toInetAddress().getAddress()).isEqualTo(address.bytes());
        }
        assertThat(IpAddress.parse("::ffff:10.0.0.1").toInetAddress()).isInstanceOf(Inet4Address.class);
        assertThatThrownBy(() -> IpAddress.ofBytes(new byte[5])).hasMessageContaining("4 or 16 bytes");
    }

    @Test
    void valueIsTheUnsignedNumber() {
        assertThat(IpAddress.parse("255.255.255.255").value()).isEqualTo(BigInteger.valueOf(0xffff_ffffL));
        assertThat(IpAddress.parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").value())
                .isEqualTo(BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE));
        BigInteger v =
                BigInteger.ONE.shiftLeft(127).add(BigInteger.ONE.shiftLeft(63)).add(BigInteger.TWO);
        IpAddress address = new IpAddress(IpFamily.IPV6, v);
        assertThat(address.value()).isEqualTo(v);
        assertThat(address).hasToString("8000::8000:0:0:2");
        assertThatThrownBy(() -> new IpAddress(IpFamily.IPV4, BigInteger.ONE.shiftLeft(32)))
                .hasMessageContaining("out of range for ipv4");
        assertThatThrownBy(() -> new IpAddress(IpFamily.IPV6, BigInteger.ONE.negate()))
                .hasMessageContaining("out of range for ipv6");
        assertThatThrownBy(() -> new IpAddress(IpFamily.IPV4, 0, 1L << 32))
                .hasMessageContaining("out of range for ipv4");
    }

    @Test
    void ordersIpv4FirstThenByUnsignedValue() {
        List<IpAddress> sorted = List.of("8000::", "::1", "10.0.0.2", "ffff::", "10.0.0.1", "::8000:0:0:0").stream()
                .map(IpAddress::parse)
                .sorted()
                .toList();
        assertThat(sorted)
                .extracting(IpAddress::toString)
                .containsExactly("10.0.0.1", "10.0.0.2", "::1", "::8000:0:0:0", "8000::", "ffff::");
    }

    @Test
    void stepsForwardWithinTheFamily() {
        assertThat(IpAddress.parse("10.0.0.255").plus(1)).hasToString("10.0.1.0");
        assertThat(IpAddress.parse("::ffff:ffff:ffff:ffff").plus(1)).hasToString("0:0:0:1::");
        assertThatThrownBy(() -> IpAddress.parse("255.255.255.255").plus(1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "0.0.0.0,         true,  false, false, false",
        "::,              true,  false, false, false",
        "224.0.0.251,     false, true,  false, false",
        "239.255.255.255, false, true,  false, false",
        "ff02::1,         false, true,  false, false",
        "255.255.255.255, false, false, true,  false",
        "127.0.0.1,       false, false, false, true",
        "127.255.0.9,     false, false, false, true",
        "::1,             false, false, false, true",
        "10.0.0.1,        false, false, false, false",
        "fd00::1,         false, false, false, false",
    })
    void knowsTheSpecialAddresses(
            String text, boolean unspecified, boolean multicast, boolean broadcast, boolean loopback) {
        IpAddress address = IpAddress.parse(text);
        assertThat(address.isUnspecified()).isEqualTo(unspecified);
        assertThat(address.isMulticast()).isEqualTo(multicast);
        assertThat(address.isBroadcast()).isEqualTo(broadcast);
        assertThat(address.isLoopback()).isEqualTo(loopback);
    }
}
