package dev.tendril.datapath.policymap;

import static dev.tendril.datapath.policymap.Direction.EGRESS;
import static dev.tendril.datapath.policymap.Direction.INGRESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PolicyMapKeyTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void encodesExactPortKeyWithFullPrefixLittleEndianIdentityAndBigEndianPort() {
        // prefixlen 64 = 40 static + 8 protocol + 16 port; identity 1234 = 0x04D2; TCP 6; port 80 = 0x0050
        assertThat(PolicyMapKey.of(1234, INGRESS, IpProtocol.TCP, 80).encode())
                .containsExactly(bytes(0x40, 0, 0, 0, 0xD2, 0x04, 0, 0, 0x00, 0x06, 0x00, 0x50));
    }

    @Test
    void encodesProtocolOnlyKeyWithPrefix48AndEgressBit() {
        // identity 0x01000005 (a CIDR identity), egress bit 1, UDP 17, port wildcarded to 0
        assertThat(PolicyMapKey.anyPort(0x01000005L, EGRESS, IpProtocol.UDP).encode())
                .containsExactly(bytes(0x30, 0, 0, 0, 0x05, 0, 0, 0x01, 0x01, 0x11, 0, 0));
    }

    @Test
    void encodesAllowAllKeyWithStaticPrefixOnly() {
        assertThat(PolicyMapKey.anyProtocol(0, INGRESS).encode())
                .containsExactly(bytes(0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void encodesPortPrefixKey() {
        // 8080 = 0x1F90 with 13 port bits: prefixlen 40 + 8 + 13 = 61 = 0x3D; identity 256
        assertThat(PolicyMapKey.portPrefix(256, EGRESS, IpProtocol.TCP, 8080, 13)
                        .encode())
                .containsExactly(bytes(0x3D, 0, 0, 0, 0x00, 0x01, 0, 0, 0x01, 0x06, 0x1F, 0x90));
    }

    @Test
    void encodesLargestIdentityAndPort() {
        assertThat(PolicyMapKey.of(0xFFFF_FFFFL, INGRESS, IpProtocol.SCTP, 65535)
                        .encode())
                .containsExactly(bytes(0x40, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x84, 0xFF, 0xFF));
    }

    @Test
    void roundTrips() {
        for (PolicyMapKey k : new PolicyMapKey[] {
            PolicyMapKey.of(1234, INGRESS, IpProtocol.TCP, 80),
            PolicyMapKey.of(0, EGRESS, IpProtocol.ICMP, 0),
            PolicyMapKey.anyPort(0x01000005L, EGRESS, IpProtocol.UDP),
            PolicyMapKey.anyProtocol(0, INGRESS),
            PolicyMapKey.portPrefix(256, EGRESS, IpProtocol.TCP, 8080, 13),
            PolicyMapKey.of(0xFFFF_FFFFL, INGRESS, IpProtocol.SCTP, 65535)
        }) {
            assertThat(PolicyMapKey.decode(k.encode())).isEqualTo(k);
        }
    }

    @Test
    void portRangeKeysCoverTheRangeWithAlignedPrefixes() {
        assertThat(PolicyMapKey.portRange(7, INGRESS, IpProtocol.TCP, 8080, 8090))
                .containsExactly(
                        PolicyMapKey.portPrefix(7, INGRESS, IpProtocol.TCP, 8080, 13),
                        PolicyMapKey.portPrefix(7, INGRESS, IpProtocol.TCP, 8088, 15),
                        PolicyMapKey.of(7, INGRESS, IpProtocol.TCP, 8090));
    }

    @Test
    void maskedToRebuildsTheStoredKeyFromTheEntryPrefixLength() {
        PolicyMapKey lookup = PolicyMapKey.of(9, INGRESS, IpProtocol.TCP, 8085);
        assertThat(lookup.maskedTo(24)).isEqualTo(lookup);
        assertThat(lookup.maskedTo(13 + 8)).isEqualTo(PolicyMapKey.portPrefix(9, INGRESS, IpProtocol.TCP, 8080, 13));
        assertThat(lookup.maskedTo(8)).isEqualTo(PolicyMapKey.anyPort(9, INGRESS, IpProtocol.TCP));
        assertThat(lookup.maskedTo(0)).isEqualTo(PolicyMapKey.anyProtocol(9, INGRESS));
    }

    @Test
    void printsLikeCiliumBpfPolicyGet() {
        assertThat(PolicyMapKey.of(1234, INGRESS, IpProtocol.TCP, 80)).hasToString("Ingress: 1234 80/TCP");
        assertThat(PolicyMapKey.anyPort(0, EGRESS, IpProtocol.UDP)).hasToString("Egress: 0 UDP");
        assertThat(PolicyMapKey.anyProtocol(0, EGRESS)).hasToString("Egress: 0 ANY");
        assertThat(PolicyMapKey.portPrefix(5, INGRESS, IpProtocol.TCP, 8080, 13))
                .hasToString("Ingress: 5 0x1f90/13/TCP");
    }

    @Test
    void rejectsOutOfRangeFieldsNamingTheField() {
        assertThatThrownBy(() -> PolicyMapKey.of(-1, INGRESS, IpProtocol.TCP, 80))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("identity");
        assertThatThrownBy(() -> PolicyMapKey.of(0x1_0000_0000L, INGRESS, IpProtocol.TCP, 80))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("identity");
        assertThatThrownBy(() -> PolicyMapKey.of(1, null, IpProtocol.TCP, 80))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("direction");
        assertThatThrownBy(() -> PolicyMapKey.of(1, INGRESS, 256, 80))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("protocol");
        assertThatThrownBy(() -> PolicyMapKey.of(1, INGRESS, IpProtocol.TCP, 65536))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port");
        assertThatThrownBy(() -> PolicyMapKey.portPrefix(1, INGRESS, IpProtocol.TCP, 8081, 13))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port 8081 has bits set beyond");
        assertThatThrownBy(() -> new PolicyMapKey(1, INGRESS, IpProtocol.TCP, 0, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("l4PrefixLength");
        assertThatThrownBy(() -> new PolicyMapKey(1, INGRESS, IpProtocol.TCP, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("protocol must be 0");
    }

    @Test
    void rejectsMalformedBytes() {
        assertThatThrownBy(() -> PolicyMapKey.decode(new byte[11]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12 bytes");
        assertThatThrownBy(() -> PolicyMapKey.decode(bytes(0x27, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefixlen");
        assertThatThrownBy(() -> PolicyMapKey.decode(bytes(0x41, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 80)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefixlen");
        assertThatThrownBy(() -> PolicyMapKey.decode(bytes(0x40, 0, 0, 0, 1, 0, 0, 0, 0x02, 6, 0, 80)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("direction");
        assertThatThrownBy(() -> PolicyMapKey.decode(bytes(0x30, 0, 0, 0, 1, 0, 0, 0, 0, 6, 0, 80)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port 80 has bits set beyond");
    }
}
