package dev.tendril.policy.domain;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.0.0.0/8, 10.1.0.0/16, true",
            "10.0.0.0/8, 10.0.0.0/8, true",
            "10.1.0.0/16, 10.0.0.0/8, false",
            "10.0.0.0/8, 11.0.0.0/16, false",
            "0.0.0.0/0, 192.168.1.0/24, true",
            "0.0.0.0/0, 2001:db8::/32, false",
            "2001:db8::/32, 2001:db8:1::/48, true",
            "2001:db8::/32, 2001:db9::/48, false"})
    void contains(String outer, String inner, boolean expected) {
        assertThat(Cidr.parse(outer).contains(Cidr.parse(inner))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"10.1.2.3/8, 10.0.0.0/8", "192.168.1.7, 192.168.1.7/32", "10.255.255.255/9, 10.128.0.0/9"})
    void clearsHostBits(String text, String canonical) {
        assertThat(Cidr.parse(text)).isEqualTo(Cidr.parse(canonical));
        assertThat(Cidr.parse(text).toString()).isEqualTo(canonical);
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.0/33", "10.0.0/8", "example.com/8", "10.0.0.0/x", "''"})
    void rejectsNonCidrs(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
