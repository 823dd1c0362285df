package dev.tendril.datapath.policymap;

import static dev.tendril.datapath.policymap.Direction.INGRESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PolicyMapValueTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void encodesAllowOfExactPortWithPrefixLengthInBitsThreeToSeven() {
        // lpm_prefix_length 24 << 3 = 0xC0, deny bit 0 clear
        PolicyMapValue v = PolicyMapValue.allow(PolicyMapKey.of(1, INGRESS, IpProtocol.TCP, 80));
        assertThat(v.encode()).containsExactly(bytes(0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void encodesDenyOfProtocolOnlyKey() {
        // deny bit 0 | 8 << 3 = 0x41
        PolicyMapValue v = PolicyMapValue.deny(PolicyMapKey.anyPort(0, INGRESS, IpProtocol.UDP));
        assertThat(v.encode()).containsExactly(bytes(0, 0, 0x41, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void encodesProxyPortBigEndianAuthPriorityAndCookieLittleEndian() {
        // proxy 15001 = 0x3A99; prefix 21 << 3 = 0xA8; auth 2 | explicit 0x80; priority 1; cookie 0x01020304
        PolicyMapValue v = PolicyMapValue.allow(PolicyMapKey.portPrefix(1, INGRESS, IpProtocol.TCP, 8080, 13))
                .withProxy(15001, 1)
                .withAuth(2, true)
                .withCookie(0x01020304L);
        assertThat(v.encode()).containsExactly(bytes(0x3A, 0x99, 0xA8, 0x82, 0x01, 0, 0, 0, 0x04, 0x03, 0x02, 0x01));
    }

    @Test
    void roundTrips() {
        PolicyMapValue[] values = {
            PolicyMapValue.allow(PolicyMapKey.anyProtocol(0, INGRESS)),
            PolicyMapValue.deny(PolicyMapKey.of(3, INGRESS, IpProtocol.TCP, 443)),
            new PolicyMapValue(65535, false, 17, 127, true, 255, 0xFFFF_FFFFL)
        };
        for (PolicyMapValue v : values) {
            assertThat(PolicyMapValue.decode(v.encode())).isEqualTo(v);
        }
    }

    @Test
    void rejectsOutOfRangeFieldsNamingTheField() {
        assertThatThrownBy(() -> new PolicyMapValue(65536, false, 0, 0, false, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxyPort");
        assertThatThrownBy(() -> new PolicyMapValue(0, false, 25, 0, false, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("l4PrefixLength");
        assertThatThrownBy(() -> new PolicyMapValue(0, false, 0, 128, false, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("authType");
        assertThatThrownBy(() -> new PolicyMapValue(0, false, 0, 0, false, 256, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxyPortPriority");
        assertThatThrownBy(() -> new PolicyMapValue(0, false, 0, 0, false, 0, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cookie");
    }

    @Test
    void rejectsMalformedBytes() {
        assertThatThrownBy(() -> PolicyMapValue.decode(new byte[24]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12 bytes");
        assertThatThrownBy(() -> PolicyMapValue.decode(bytes(0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reserved bits");
        assertThatThrownBy(() -> PolicyMapValue.decode(bytes(0, 0, 0xC8, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("l4PrefixLength");
        assertThatThrownBy(() -> PolicyMapValue.decode(bytes(0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pad");
    }
}
