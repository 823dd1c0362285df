package dev.tendril.datapath.ipcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class IpcacheValueTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void encodesLocalEntryWithIdentityOnly() {
        assertThat(IpcacheValue.of(256).encode())
                .containsExactly(bytes(0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void encodesRemoteEndpointWithIpv4TunnelEndpointAndHasTunnelFlag() {
        // identity 0x010203 little-endian; tunnel 192.168.1.10; flags bit 1 has_tunnel_ep
        assertThat(IpcacheValue.remote(0x010203, InetAddress.ofLiteral("192.168.1.10"))
                        .encode())
                .containsExactly(
                        bytes(0x03, 0x02, 0x01, 0, 192, 168, 1, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02));
    }

    @Test
    void encodesEveryFlagAndEncryptKeyWithIpv6TunnelEndpoint() {
        // skip_tunnel 1 | has_tunnel_ep 2 | ipv6_tunnel_ep 4 | remote_cluster 8 = 0x0F; key 3
        IpcacheValue v = new IpcacheValue(0x02000001L, InetAddress.ofLiteral("fd00::1"), 3, true, true);
        assertThat(v.encode())
                .containsExactly(
                        bytes(0x01, 0, 0, 0x02, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 3, 0x0F));
    }

    @Test
    void roundTrips() {
        for (IpcacheValue v : new IpcacheValue[] {
            IpcacheValue.of(2),
            IpcacheValue.remote(1001, InetAddress.ofLiteral("192.168.1.10")),
            new IpcacheValue(0xFFFF_FFFFL, InetAddress.ofLiteral("fd00::1"), 255, true, true),
            new IpcacheValue(7, null, 1, true, false)
        }) {
            assertThat(IpcacheValue.decode(v.encode())).isEqualTo(v);
        }
    }

    @Test
    void rejectsOutOfRangeFields() {
        assertThatThrownBy(() -> IpcacheValue.of(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("identity");
        assertThatThrownBy(() -> new IpcacheValue(1, null, 256, false, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encryptKey");
        assertThatThrownBy(() -> IpcacheValue.remote(1, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tunnelEndpoint");
    }

    @Test
    void rejectsMalformedBytes() {
        assertThatThrownBy(() -> IpcacheValue.decode(new byte[23]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("24 bytes");
        byte[] unknownFlag = IpcacheValue.of(1).encode();
        unknownFlag[23] = 0x10;
        assertThatThrownBy(() -> IpcacheValue.decode(unknownFlag))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown bits");
        byte[] tunnelWithoutFlag = IpcacheValue.of(1).encode();
        tunnelWithoutFlag[4] = 10;
        assertThatThrownBy(() -> IpcacheValue.decode(tunnelWithoutFlag))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without has_tunnel_ep");
        byte[] v6WithoutHas = IpcacheValue.of(1).encode();
        v6WithoutHas[23] = 0x04;
        assertThatThrownBy(() -> IpcacheValue.decode(v6WithoutHas))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ipv6_tunnel_ep without has_tunnel_ep");
        byte[] pad = IpcacheValue.of(1).encode();
        pad[20] = 1;
        assertThatThrownBy(() -> IpcacheValue.decode(pad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pad");
        byte[] v4Tail =
                IpcacheValue.remote(1, InetAddress.ofLiteral("10.0.0.1")).encode();
        v4Tail[10] = 1;
        assertThatThrownBy(() -> IpcacheValue.decode(v4Tail))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bytes 4..15");
    }
}
