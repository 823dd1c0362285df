package dev.tendril.datapath.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.HashMapInMemory;
import dev.tendril.datapath.maps.MapSpec;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {

    private static final long SECOND = 1_000_000_000L;
    private static final Set<String> NODE_ADDRESSES = Set.of("192.168.1.10", "fd00:1::10");

    private final Map<String, BpfMap> maps = new HashMap<>();
    private final LoadBalancer lb;

    LoadBalancerTest() throws Exception {
        Map<Long, LbBackendValue> backends = Map.of(
                1L, LbBackendValue.of(ip("10.0.1.5"), 8080, 6),
                2L, LbBackendValue.of(ip("10.0.1.6"), 8080, 6),
                3L, LbBackendValue.of(ip("10.0.2.7"), 8080, 6),
                4L, LbBackendValue.of(ip("fd00::5"), 8080, 6),
                5L, LbBackendValue.of(ip("10.0.1.9"), 53, 17));
        LbMapContent.of(
                        List.of(
                                frontend("10.96.0.10", 80, 6, 1, 0, 0, List.of(1L, 2L, 3L)),
                                frontend("10.96.0.11", 80, 6, 2, LbFlags.AFFINITY, 10, List.of(1L, 2L, 3L)),
                                frontend("10.96.0.12", 80, 6, 3, 0, 0, List.of()),
                                frontend("0.0.0.0", 30080, 6, 4, LbFlags.NODEPORT, 0, List.of(3L)),
                                frontend("10.96.0.10", 30080, 6, 5, 0, 0, List.of(2L)),
                                frontend("fd00:10:96::a", 80, 6, 6, 0, 0, List.of(4L)),
                                frontend("10.96.0.13", 53, 17, 7, 0, 0, List.of(5L))),
                        backends)
                .writeTo(this::open);
        lb = new LoadBalancer(
                new LoadBalancer.FamilyMaps(
                        open(LbMaps.SERVICES_V4), open(LbMaps.BACKENDS_V4), open(LbMaps.AFFINITY_V4)),
                new LoadBalancer.FamilyMaps(
                        open(LbMaps.SERVICES_V6), open(LbMaps.BACKENDS_V6), open(LbMaps.AFFINITY_V6)));
    }

    @Test
    void aTerminatingBackendKeepsItsBackendEntryButTakesNoSlot() throws Exception {
        LbBackendValue terminating = new LbBackendValue(ip("10.0.1.7"), 8080, 6, LbFlags.BACKEND_TERMINATING, 0, 0);
        LbMapContent content = LbMapContent.of(
                List.of(frontend("10.96.0.20", 80, 6, 9, 0, 0, List.of(1L))),
                Map.of(1L, LbBackendValue.of(ip("10.0.1.5"), 8080, 6), 7L, terminating));

        assertThat(content.map(LbMaps.BACKENDS_V4.name()))
                .containsKeys(
                        java.nio.ByteBuffer.wrap(new LbBackendKey(1).encode()),
                        java.nio.ByteBuffer.wrap(new LbBackendKey(7).encode()));
        // The master and one slot: the terminating backend is not offered to new connections.
        assertThat(content.map(LbMaps.SERVICES_V4.name())).hasSize(2);
    }

    private BpfMap open(MapSpec spec) {
        return maps.computeIfAbsent(spec.name(), n -> new HashMapInMemory(spec));
    }

    private static LbMapContent.Frontend frontend(
            String address, int port, int proto, int revNat, int flags, long timeout, List<Long> ids) throws Exception {
        return new LbMapContent.Frontend(ip(address), port, proto, revNat, flags, 0, timeout, ids);
    }

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private Optional<LoadBalancer.Translation> translate(
            String daddr, int port, int proto, long cookie, int hash, long now) throws Exception {
        return lb.translate(
                ip(daddr), port, proto, cookie, hash, now, a -> NODE_ADDRESSES.contains(a.getHostAddress()));
    }

    /** destination, port, protocol, hash -> backend endpoint, or "none" (no service) or "refused" (no backends). */
    @Test
    void translatesLikeTheSocketProgram() throws Exception {
        Object[][] table = {
            {"10.96.0.10", 80, 6, 0, "10.0.1.5:8080/TCP", 1, "10.96.0.10:80/TCP"},
            {"10.96.0.10", 80, 6, 1, "10.0.1.6:8080/TCP", 2, "10.96.0.10:80/TCP"},
            {"10.96.0.10", 80, 6, 5, "10.0.2.7:8080/TCP", 3, "10.96.0.10:80/TCP"},
            {"10.96.0.10", 80, 6, -1, "10.0.1.5:8080/TCP", 1, "10.96.0.10:80/TCP"}, // unsigned: (2^32-1) % 3 = 0
            {"10.96.0.10", 80, 17, 0, "none", 0, ""}, // no UDP frontend
            {"10.96.0.10", 81, 6, 0, "none", 0, ""},
            {"10.96.0.12", 80, 6, 0, "refused", 0, "10.96.0.12:80/TCP"},
            {"192.168.1.10", 30080, 6, 0, "10.0.2.7:8080/TCP", 1, "0.0.0.0:30080/TCP"}, // NodePort surrogate
            {"192.168.1.11", 30080, 6, 0, "none", 0, ""}, // not a node address
            {"10.96.0.10", 30080, 6, 0, "10.0.1.6:8080/TCP", 1, "10.96.0.10:30080/TCP"}, // exact entry first
            {"fd00:10:96::a", 80, 6, 7, "[fd00:0:0:0:0:0:0:5]:8080/TCP", 1, "[fd00:10:96:0:0:0:0:a]:80/TCP"},
            {"10.96.0.13", 53, 17, 0, "10.0.1.9:53/UDP", 1, "10.96.0.13:53/UDP"},
        };
        for (Object[] row : table) {
            Optional<LoadBalancer.Translation> t =
                    translate((String) row[0], (int) row[1], (int) row[2], 1, (int) row[3], 0);
            String expected = (String) row[4];
            String what = row[0] + ":" + row[1] + "/" + row[2] + " hash " + row[3];
            switch (expected) {
                case "none" -> assertThat(t).as(what).isEmpty();
                case "refused" -> {
                    assertThat(t).as(what).containsInstanceOf(LoadBalancer.NoBackends.class);
                    assertThat(t.get().frontend().frontend()).as(what).isEqualTo(row[6]);
                }
                default -> {
                    assertThat(t).as(what).containsInstanceOf(LoadBalancer.Translated.class);
                    LoadBalancer.Translated tr = (LoadBalancer.Translated) t.get();
                    assertThat(tr.backend().endpoint()).as(what).isEqualTo(expected);
                    assertThat(tr.slot()).as(what).isEqualTo(row[5]);
                    assertThat(tr.frontend().frontend()).as(what).isEqualTo(row[6]);
                }
            }
        }
    }

    @Test
    void isRepeatableForTheSameHash() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(((LoadBalancer.Translated)
                                    translate("10.96.0.10", 80, 6, 1, 7, 0).orElseThrow())
                            .backendId())
                    .isEqualTo(2);
        }
    }

    @Test
    void clientIpAffinityKeepsTheBackendWithinTheTimeoutPerClient() throws Exception {
        LoadBalancer.Translated first = (LoadBalancer.Translated)
                translate("10.96.0.11", 80, 6, 42, 0, 100 * SECOND).orElseThrow();
        assertThat(first.backendId()).isEqualTo(1);
        assertThat(first.fromAffinity()).isFalse();

        LoadBalancer.Translated again = (LoadBalancer.Translated)
                translate("10.96.0.11", 80, 6, 42, 2, 105 * SECOND).orElseThrow();
        assertThat(again.backendId()).isEqualTo(1);
        assertThat(again.fromAffinity()).isTrue();

        LoadBalancer.Translated other = (LoadBalancer.Translated)
                translate("10.96.0.11", 80, 6, 43, 2, 105 * SECOND).orElseThrow();
        assertThat(other.backendId()).isEqualTo(3);

        // 105 s was the last use; 10 s later it still holds, 11 s after that it expired
        assertThat(((LoadBalancer.Translated) translate("10.96.0.11", 80, 6, 42, 1, 115 * SECOND)
                                .orElseThrow())
                        .backendId())
                .isEqualTo(1);
        LoadBalancer.Translated expired = (LoadBalancer.Translated)
                translate("10.96.0.11", 80, 6, 42, 1, 126 * SECOND).orElseThrow();
        assertThat(expired.backendId()).isEqualTo(2);
        assertThat(expired.fromAffinity()).isFalse();
    }

    @Test
    void affinityToABackendNoLongerInTheSlotsIsIgnored() throws Exception {
        assertThat(translate("10.96.0.11", 80, 6, 42, 0, 0)).isPresent();
        // the frontend now balances over backends 2 and 3 only
        LbMapContent.of(
                        List.of(frontend("10.96.0.11", 80, 6, 2, LbFlags.AFFINITY, 10, List.of(2L, 3L))),
                        Map.of(
                                2L,
                                LbBackendValue.of(ip("10.0.1.6"), 8080, 6),
                                3L,
                                LbBackendValue.of(ip("10.0.2.7"), 8080, 6)))
                .writeTo(this::open);
        open(LbMaps.SERVICES_V4)
                .delete(LbServiceKey.master(ip("10.96.0.11"), 80, 6).withSlot(3).encode());
        LoadBalancer.Translated t = (LoadBalancer.Translated)
                translate("10.96.0.11", 80, 6, 42, 1, SECOND).orElseThrow();
        assertThat(t.fromAffinity()).isFalse();
        assertThat(t.backendId()).isEqualTo(3);
    }

    @Test
    void aSlotWhoseBackendIsMissingIsNoBackend() throws Exception {
        open(LbMaps.BACKENDS_V4).delete(new LbBackendKey(1).encode());
        assertThat(translate("10.96.0.10", 80, 6, 1, 0, 0)).containsInstanceOf(LoadBalancer.NoBackends.class);
    }

    @Test
    void contentHoldsMasterSlotsBackendsOnceAndReverseNat() throws Exception {
        assertThat(maps.get("cilium_lb4_backends_v3").size()).isEqualTo(4);
        assertThat(maps.get("cilium_lb6_backends_v3").size()).isEqualTo(1);
        LbServiceValue master = LbServiceValue.decode(maps.get("cilium_lb4_services_v2")
                .lookup(LbServiceKey.master(ip("10.96.0.11"), 80, 6).encode())
                .orElseThrow());
        assertThat(master).isEqualTo(LbServiceValue.master(10, 3, 2, LbFlags.AFFINITY, 0));
        assertThat(LbRevNatValue.decode(maps.get("cilium_lb4_reverse_nat")
                        .lookup(new LbRevNatKey(4).encode())
                        .orElseThrow()))
                .isEqualTo(new LbRevNatValue(ip("0.0.0.0"), 30080));
    }
}
