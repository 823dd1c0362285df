package dev.tendril.ipam.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CidrTest {

    @ParameterizedTest(name = "{0} prints as {1}")
    @CsvSource({
            "10.0.0.1, 10.0.0.1",
            "255.255.255.255, 255.255.255.255",
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

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0", "10.0.0.256", "10.0.0.01", "1:2:3:4:5:6:7:8:9", "fd00:::1", "fd00::1::2",
            "localhost", "g::1", "10.0.0.1.2", "12345::"})
    void refusesMalformedAddresses(String text) {
        assertThatThrownBy(() -> IpAddress.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesACidrWithHostBitsSetNamingTheNetwork() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.1/8"))
                .hasMessageContaining("host bits set").hasMessageContaining("10.0.0.0/8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "fd00::/129", "x/8", "10.0.0.0/-1"})
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
}
