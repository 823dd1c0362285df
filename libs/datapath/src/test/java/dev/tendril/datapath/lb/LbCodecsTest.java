package dev.tendril.datapath.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.datapath.maps.MapType;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Every LB codec against bytes computed by hand from Cilium's structs (bpf/lib/lb.h). */
class LbCodecsTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void serviceKeyV4IsAddressAndPortBigEndianSlotLittleEndian() throws Exception {
        // 10.96.0.10, port 80 = 0x0050, slot 3, TCP, scope 0
        LbServiceKey k = new LbServiceKey(ip("10.96.0.10"), 80, 3, 6, 0);
        assertThat(k.encode()).containsExactly(bytes(10, 96, 0, 10, 0x00, 0x50, 0x03, 0x00, 6, 0, 0, 0));
        assertThat(LbServiceKey.decode(k.encode())).isEqualTo(k);
        assertThat(k.frontend()).isEqualTo("10.96.0.10:80/TCP");
    }

    @Test
    void serviceKeyV4SurrogateNodePortWithLargeSlotAndInternalScope() throws Exception {
        // 0.0.0.0:30080 = 0x7580, slot 0x0102, UDP 17, scope 1
        LbServiceKey k = new LbServiceKey(ip("0.0.0.0"), 30080, 0x0102, 17, LbServiceKey.SCOPE_INTERNAL);
        assertThat(k.encode()).containsExactly(bytes(0, 0, 0, 0, 0x75, 0x80, 0x02, 0x01, 17, 1, 0, 0));
        assertThat(LbServiceKey.decode(k.encode())).isEqualTo(k);
    }

    @Test
    void serviceKeyV6Is24Bytes() throws Exception {
        LbServiceKey k = LbServiceKey.master(ip("fd00:10:96::a"), 443, 132);
        assertThat(k.encode())
                .containsExactly(bytes(
                        0xfd, 0x00, 0x00, 0x10, 0x00, 0x96, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x0a, // address
                        0x01, 0xbb, 0, 0, 132, 0, 0, 0));
        assertThat(LbServiceKey.decode(k.encode())).isEqualTo(k);
        assertThat(k.frontend()).isEqualTo("[fd00:10:96:0:0:0:0:a]:443/SCTP");
    }

    @Test
    void serviceValueIsHostOrder() {
        // master: affinity timeout 10800 = 0x2A30, count 5, rev nat 0x0102, flags AFFINITY (0x10), flags2 0x10
        LbServiceValue master = LbServiceValue.master(10800, 5, 0x0102, LbFlags.AFFINITY, LbFlags.INT_LOCAL_SCOPE);
        assertThat(master.encode()).containsExactly(bytes(0x30, 0x2A, 0, 0, 5, 0, 0x02, 0x01, 0x10, 0x10, 0, 0));
        assertThat(LbServiceValue.decode(master.encode())).isEqualTo(master);
        assertThat(master.affinityTimeoutSeconds()).isEqualTo(10800);
        assertThat(master.algorithm()).isZero();

        LbServiceValue slot = new LbServiceValue(0xFFFF_FFFEL, 0, 7, 0, 0, 0x0304);
        assertThat(slot.encode()).containsExactly(bytes(0xFE, 0xFF, 0xFF, 0xFF, 0, 0, 7, 0, 0, 0, 0x04, 0x03));
        assertThat(LbServiceValue.decode(slot.encode())).isEqualTo(slot);
    }

    @Test
    void serviceValueSplitsAlgorithmFromAffinityTimeout() {
        LbServiceValue v = LbServiceValue.decode(bytes(0x2C, 0x01, 0x00, 0x02, 1, 0, 1, 0, 0, 0, 0, 0));
        assertThat(v.algorithm()).isEqualTo(2);
        assertThat(v.affinityTimeoutSeconds()).isEqualTo(300);
    }

    @Test
    void backendKeyIsLittleEndianU32() {
        assertThat(new LbBackendKey(0x01020304L).encode()).containsExactly(bytes(4, 3, 2, 1));
        assertThat(LbBackendKey.decode(bytes(0xff, 0xff, 0xff, 0xff)).backendId())
                .isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void backendValueV4AndV6() throws Exception {
        // 10.0.1.5:8080 = 0x1F90, TCP, terminating (1), cluster 0x0203, zone 9
        LbBackendValue v4 = new LbBackendValue(ip("10.0.1.5"), 8080, 6, LbFlags.BACKEND_TERMINATING, 0x0203, 9);
        assertThat(v4.encode()).containsExactly(bytes(10, 0, 1, 5, 0x1F, 0x90, 6, 1, 0x03, 0x02, 9, 0));
        assertThat(LbBackendValue.decode(v4.encode())).isEqualTo(v4);
        assertThat(v4.endpoint()).isEqualTo("10.0.1.5:8080/TCP");

        LbBackendValue v6 = LbBackendValue.of(ip("fd00::5"), 53, 17);
        assertThat(v6.encode())
                .containsExactly(bytes(
                        0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, // address
                        0, 53, 17, 0, 0, 0, 0, 0));
        assertThat(LbBackendValue.decode(v6.encode())).isEqualTo(v6);
    }

    @Test
    void revNatKeyAndPackedValue() throws Exception {
        assertThat(new LbRevNatKey(0x0102).encode()).containsExactly(bytes(2, 1));
        assertThat(LbRevNatKey.decode(bytes(0xff, 0xff)).index()).isEqualTo(65535);

        LbRevNatValue v4 = new LbRevNatValue(ip("10.96.0.10"), 80);
        assertThat(v4.encode()).containsExactly(bytes(10, 96, 0, 10, 0, 80));
        assertThat(LbRevNatValue.decode(v4.encode())).isEqualTo(v4);

        LbRevNatValue v6 = new LbRevNatValue(ip("::"), 30080);
        assertThat(v6.encode()).hasSize(18).endsWith(bytes(0x75, 0x80));
        assertThat(LbRevNatValue.decode(v6.encode())).isEqualTo(v6);
    }

    @Test
    void affinityKeyIsCookieRevNatAndTheNetnsBit() {
        LbAffinityKey k = new LbAffinityKey(0x0102030405060708L, 3);
        assertThat(k.encode(false)).containsExactly(bytes(8, 7, 6, 5, 4, 3, 2, 1, 3, 0, 1, 0, 0, 0, 0, 0));
        assertThat(k.encode(true))
                .containsExactly(bytes(8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 1, 0, 0, 0, 0, 0));
        assertThat(LbAffinityKey.decode(k.encode(false))).isEqualTo(k);
        assertThat(LbAffinityKey.decode(k.encode(true))).isEqualTo(k);
        assertThatThrownBy(() -> LbAffinityKey.decode(bytes(10, 0, 0, 1, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("netns cookie");
    }

    @Test
    void affinityValueIsLastUsedAndBackend() {
        LbAffinityValue v = new LbAffinityValue(0x1122334455667788L, 7);
        assertThat(v.encode())
                .containsExactly(bytes(0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 7, 0, 0, 0, 0, 0, 0, 0));
        assertThat(LbAffinityValue.decode(v.encode())).isEqualTo(v);
    }

    @Test
    void reverseSkKeyAndValue() throws Exception {
        LbReverseSkKey k4 = new LbReverseSkKey(0x0102L, ip("10.0.1.5"), 8080);
        assertThat(k4.encode()).containsExactly(bytes(2, 1, 0, 0, 0, 0, 0, 0, 10, 0, 1, 5, 0x1F, 0x90, 0, 0));
        assertThat(LbReverseSkKey.decode(k4.encode())).isEqualTo(k4);
        LbReverseSkKey k6 = new LbReverseSkKey(1, ip("fd00::5"), 8080);
        assertThat(k6.encode()).hasSize(32);
        assertThat(LbReverseSkKey.decode(k6.encode())).isEqualTo(k6);

        LbReverseSkValue v4 = new LbReverseSkValue(ip("10.96.0.10"), 80, 0x0102);
        assertThat(v4.encode()).containsExactly(bytes(10, 96, 0, 10, 0, 80, 2, 1));
        assertThat(LbReverseSkValue.decode(v4.encode())).isEqualTo(v4);
        LbReverseSkValue v6 = new LbReverseSkValue(ip("fd00:10:96::a"), 80, 1);
        assertThat(v6.encode()).hasSize(20).endsWith(bytes(0, 80, 1, 0));
        assertThat(LbReverseSkValue.decode(v6.encode())).isEqualTo(v6);
    }

    @Test
    void rejectsOutOfRangeFieldsAndMalformedBytes() throws Exception {
        assertThatThrownBy(() -> new LbServiceKey(ip("10.0.0.1"), 65536, 0, 6, 0))
                .hasMessageContaining("port");
        assertThatThrownBy(() -> new LbServiceValue(-1, 0, 0, 0, 0, 0)).hasMessageContaining("backendId");
        assertThatThrownBy(() -> LbServiceValue.master(1 << 24, 1, 1, 0, 0))
                .hasMessageContaining("affinityTimeoutSeconds");
        assertThatThrownBy(() -> new LbRevNatKey(65536)).hasMessageContaining("index");
        assertThatThrownBy(() -> LbServiceKey.decode(new byte[13])).hasMessageContaining("12 or 24 bytes");
        assertThatThrownBy(() -> LbServiceKey.decode(bytes(10, 0, 0, 1, 0, 80, 0, 0, 6, 0, 1, 0)))
                .hasMessageContaining("pad");
        assertThatThrownBy(() -> LbRevNatValue.decode(new byte[8])).hasMessageContaining("6 or 18 bytes");
    }

    @Test
    void flagNamesFollowCiliumBpfLbList() {
        assertThat(LbFlags.names(LbFlags.AFFINITY, 0)).containsExactly("ClusterIP", "sessionAffinity", "non-routable");
        assertThat(LbFlags.names(LbFlags.NODEPORT | LbFlags.EXT_LOCAL_SCOPE | LbFlags.ROUTABLE, 0))
                .containsExactly("NodePort", "Local");
        assertThat(LbFlags.names(LbFlags.ROUTABLE, LbFlags.INT_LOCAL_SCOPE))
                .containsExactly("ClusterIP", "InternalLocal");
        assertThat(LbFlags.backendState(LbFlags.BACKEND_QUARANTINED)).isEqualTo("quarantined");
    }

    @Test
    void mapSpecsHaveCiliumNamesSizesAndTypes() {
        assertThat(LbMaps.SERVICES_V4.name()).isEqualTo("cilium_lb4_services_v2");
        assertThat(LbMaps.SERVICES_V4.keySize()).isEqualTo(12);
        assertThat(LbMaps.SERVICES_V6.keySize()).isEqualTo(24);
        assertThat(LbMaps.SERVICES_V6.valueSize()).isEqualTo(12);
        assertThat(LbMaps.BACKENDS_V4.name()).isEqualTo("cilium_lb4_backends_v3");
        assertThat(LbMaps.BACKENDS_V6.valueSize()).isEqualTo(24);
        assertThat(LbMaps.REVERSE_NAT_V4.valueSize()).isEqualTo(6);
        assertThat(LbMaps.REVERSE_NAT_V6.valueSize()).isEqualTo(18);
        assertThat(LbMaps.AFFINITY_V4.type()).isEqualTo(MapType.LRU_HASH);
        assertThat(LbMaps.AFFINITY_V6.keySize()).isEqualTo(24);
        assertThat(LbMaps.REVERSE_SK_V6.name()).isEqualTo("cilium_lb6_reverse_sk");
        assertThat(LbMaps.REVERSE_SK_V6.keySize()).isEqualTo(32);
        assertThat(LbMaps.REVERSE_SK_V4.maxEntries()).isEqualTo(262144);
        assertThat(LbMaps.ALL).allSatisfy(s -> assertThat(s.name()).startsWith("cilium_lb"));
        assertThat(LbMaps.ALL).hasSize(10);
    }
}
