package dev.tendril.policy.adapters.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.net.Cidr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** CIDR label keys on the wire in Cilium's spelling, the one the identity service keeps, and back. */
class CidrLabelKeyTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "10.0.0.0/8, 10.0.0.0/8",
        "0.0.0.0/0, 0.0.0.0/0",
        "2001:db8::/32, 2001-db8--0/32",
        "::/0, 0--0/0",
        "::1/128, 0--1/128",
        "fd00::1/128, fd00--1/128",
        "2001:db8:0:1:1:1:1:0/127, 2001-db8-0-1-1-1-1-0/127"
    })
    void writesCiliumsSpellingAndReadsItBack(String prefix, String wire) {
        assertThat(ProtoMapping.cidrKeyToWire(prefix)).isEqualTo(wire);
        assertThat(Cidr.parseMasked(ProtoMapping.cidrKeyFromWire(wire))).isEqualTo(Cidr.parseMasked(prefix));
    }
}
