package dev.tendril.datapath.ipcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class IpcacheKeyTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void encodesIpv4CidrWithPrefixLengthThirtyTwoPlusBits() {
        // prefixlen 32 + 8 = 40 = 0x28; cluster 0; pad; family 1; 10.0.0.0 then 12 zero bytes
        assertThat(IpcacheKey.ofCidr("10.0.0.0/8").encode())
                .containsExactly(bytes(0x28, 0, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void encodesIpv4HostWithClusterIdLittleEndian() {
        // prefixlen 64 = 0x40; cluster 0x0102 little-endian
        assertThat(IpcacheKey.ofAddress(InetAddress.ofLiteral("10.1.2.3"), 0x0102)
                        .encode())
                .containsExactly(
                        bytes(0x40, 0, 0, 0, 0x02, 0x01, 0, 1, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void encodesIpv4DefaultRoute() {
        assertThat(IpcacheKey.ofCidr("0.0.0.0/0").encode())
                .containsExactly(bytes(0x20, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void encodesIpv6Prefix() {
        // prefixlen 32 + 104 = 136 = 0x88; family 2
        assertThat(IpcacheKey.ofCidr("fd00::/104").encode())
                .containsExactly(bytes(0x88, 0, 0, 0, 0, 0, 0, 2, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void encodesIpv6Host() {
        // prefixlen 32 + 128 = 160 = 0xA0
        assertThat(IpcacheKey.ofAddress("2001:db8::1").encode())
                .containsExactly(bytes(
                        0xA0, 0, 0, 0, 0, 0, 0, 2, 0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01));
    }

    @Test
    void roundTrips() {
        for (IpcacheKey k : new IpcacheKey[] {
            IpcacheKey.ofCidr("10.0.0.0/8"),
            IpcacheKey.ofCidr("0.0.0.0/0"),
            IpcacheKey.ofCidr("::/0"),
            IpcacheKey.ofCidr("fd00::/104", 7),
            IpcacheKey.ofAddress("10.1.2.3"),
            IpcacheKey.ofAddress("2001:db8::1")
        }) {
            assertThat(IpcacheKey.decode(k.encode())).isEqualTo(k);
        }
    }

    @Test
    void describesFamilyAndCidr() {
        IpcacheKey k = IpcacheKey.ofCidr("fd00::/104", 3);
        assertThat(k.family()).isEqualTo(IpcacheKey.FAMILY_IPV6);
        assertThat(k.prefixLength()).isEqualTo(136);
        assertThat(k).hasToString("fd00::/104@3");
        assertThat(IpcacheKey.ofCidr("::/0").cidr()).isEqualTo("::/0");
        assertThat(IpcacheKey.ofAddress("2001:db8:0:0:1:0:0:1").cidr()).isEqualTo("2001:db8::1:0:0:1/128");
        assertThat(IpcacheKey.ofAddress("2001:db8:0:1:1:1:1:1").cidr()).isEqualTo("2001:db8:0:1:1:1:1:1/128");
        assertThat(IpcacheKey.ofAddress("fd00::1").cidr()).isEqualTo("fd00::1/128");
        assertThat(IpcacheKey.ofAddress("1::").cidr()).isEqualTo("1::/128");
        assertThat(IpcacheKey.ofCidr("10.0.0.0/8").family()).isEqualTo(IpcacheKey.FAMILY_IPV4);
    }

    @Test
    void rejectsInvalidCidrsNamingTheProblem() {
        assertThatThrownBy(() -> IpcacheKey.ofCidr("10.0.0.1/8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host bits set")
                .hasMessageContaining("10.0.0.0/8");
        assertThatThrownBy(() -> IpcacheKey.ofCidr("10.0.0.0/33"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefixBits must be 0..32");
        assertThatThrownBy(() -> IpcacheKey.ofCidr("10.0.0.0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("address/bits");
        assertThatThrownBy(() -> IpcacheKey.ofCidr("example.com/8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an IP address literal");
        assertThatThrownBy(() -> IpcacheKey.ofCidr("300.0.0.0/8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an IP address literal");
        assertThatThrownBy(() -> IpcacheKey.ofCidr("10.0.0.0/8", 65536))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clusterId");
    }

    @Test
    void rejectsMalformedBytes() {
        assertThatThrownBy(() -> IpcacheKey.decode(new byte[12]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("24 bytes");
        assertThatThrownBy(() -> IpcacheKey.decode(
                        bytes(0x40, 0, 0, 0, 0, 0, 0, 3, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("family");
        assertThatThrownBy(() -> IpcacheKey.decode(
                        bytes(0x40, 0, 0, 0, 0, 0, 1, 1, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pad");
        assertThatThrownBy(() -> IpcacheKey.decode(
                        bytes(0x41, 0, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefixlen must be 32..64");
        assertThatThrownBy(() -> IpcacheKey.decode(
                        bytes(0x40, 0, 0, 0, 0, 0, 0, 1, 10, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bytes 4..15");
    }
}
