package dev.tendril.agent.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.BpfMapException;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.UpdateFlag;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ipcache's host hash beside Cilium's trie: whatever the agent writes, the hash holds exactly the
 * trie's /32 and /128 entries (it must never answer for an address the trie says otherwise about), also
 * after a refused batch and over pins an earlier agent left out of step. Skipped with a printed reason
 * where bpf(2) or bpffs is missing.
 */
class KernelIpcacheTest {

    private static final MapSpec SPEC = Ipcache.spec(NodeMapsReconciler.IPCACHE_MAP, 8);

    private Path dir;

    @BeforeEach
    void pinDirectory() {
        dir = BpfTestSupport.newPinDirectory();
    }

    @AfterEach
    void removePins() {
        BpfTestSupport.deleteRecursively(dir);
    }

    @Test
    void everyWriteKeepsTheHashEqualToTheTriesHostEntries() {
        try (KernelIpcache ipcache = KernelIpcache.open(dir, SPEC)) {
            ipcache.put(key("10.0.0.0/8"), value(2));
            ipcache.put(key("10.1.2.3/32"), value(100));
            ipcache.updateAll(
                    List.of(
                            new BpfMap.Entry(key("10.1.2.4/32"), value(101)),
                            new BpfMap.Entry(key("fd00::5/128"), value(102)),
                            new BpfMap.Entry(key("fd00::/64"), value(103))),
                    UpdateFlag.ANY);
            ipcache.put(key("10.1.2.3/32"), value(200));
            assertThat(ipcache.delete(key("10.1.2.4/32"))).isTrue();
            assertThat(ipcache.deleteAll(List.of(key("fd00::5/128"), key("fd00::/64"), key("10.9.9.9/32"))))
                    .isEqualTo(2);
            ipcache.put(key("10.1.2.7/32"), value(300));

            assertThat(content(ipcache.hosts())).isEqualTo(hostEntries(ipcache));
            assertThat(content(ipcache.hosts())).containsOnlyKeys(buffer("10.1.2.3/32"), buffer("10.1.2.7/32"));
            assertThat(ipcache.spec()).isEqualTo(SPEC);
            assertThat(ipcache.size()).isEqualTo(3);
        }
    }

    @Test
    void aBatchTheTrieRefusesLeavesNoOldValueInTheHash() {
        try (KernelIpcache ipcache = KernelIpcache.open(dir, SPEC)) {
            for (int i = 1; i <= 7; i++) {
                ipcache.put(key("10.0.0." + i + "/32"), value(i));
            }
            // The first entry changes a value the hash holds, the third no longer fits (8 entries at most).
            List<BpfMap.Entry> batch = List.of(
                    new BpfMap.Entry(key("10.0.0.1/32"), value(50)),
                    new BpfMap.Entry(key("10.0.0.8/32"), value(8)),
                    new BpfMap.Entry(key("10.0.0.9/32"), value(9)));

            assertThatThrownBy(() -> ipcache.updateAll(batch, UpdateFlag.ANY)).isInstanceOf(BpfMapException.class);

            Map<ByteBuffer, ByteBuffer> trie = hostEntries(ipcache);
            content(ipcache.hosts()).forEach((k, v) -> assertThat(trie).containsEntry(k, v));
        }
    }

    @Test
    void openingBringsAHashOutOfStepWithTheTrieBackInStep() {
        try (KernelIpcache ipcache = KernelIpcache.open(dir, SPEC)) {
            ipcache.put(key("10.0.0.1/32"), value(1));
            ipcache.put(key("10.0.0.2/32"), value(2));
            ipcache.put(key("10.0.0.0/24"), value(3));
            // As an agent stopped between its two writes, or one of an older version, leaves them.
            ipcache.hosts().delete(key("10.0.0.1/32"));
            ipcache.hosts().put(key("10.0.0.2/32"), value(20));
            ipcache.hosts().put(key("10.0.0.9/32"), value(9));
        }

        try (KernelIpcache reopened = KernelIpcache.open(dir, SPEC)) {
            assertThat(content(reopened.hosts())).isEqualTo(hostEntries(reopened));
            assertThat(content(reopened.hosts())).hasSize(2);
            assertThat(reopened.syncHosts()).isZero();
        }
    }

    @Test
    void theBackendOpensTheIpcacheWithItsHashAndListsOnlyTheIpcache() {
        try (KernelMapBackend backend = new KernelMapBackend(dir)) {
            BpfMap ipcache = backend.openOrCreate(NodeMapsReconciler.ipcacheSpec());
            ipcache.put(key("10.0.0.1/32"), value(1));

            assertThat(ipcache).isInstanceOf(KernelIpcache.class);
            try (KernelBpfMap hosts = KernelBpfMap.openPinned(dir.resolve(KernelIpcache.HOSTS))) {
                assertThat(hosts.spec())
                        .isEqualTo(KernelIpcache.hostsSpec(
                                NodeMapsReconciler.ipcacheSpec().maxEntries()));
            }
            assertThat(backend.names()).containsExactly(NodeMapsReconciler.IPCACHE_MAP);

            assertThat(backend.delete(NodeMapsReconciler.IPCACHE_MAP)).isTrue();
            assertThat(dir.resolve(KernelIpcache.HOSTS)).doesNotExist();
        }
    }

    private static Map<ByteBuffer, ByteBuffer> hostEntries(BpfMap trie) {
        Map<ByteBuffer, ByteBuffer> out = new HashMap<>();
        for (BpfMap.Entry e : trie.entries()) {
            if (KernelIpcache.isHost(e.key())) {
                out.put(ByteBuffer.wrap(e.key()), ByteBuffer.wrap(e.value()));
            }
        }
        return out;
    }

    private static Map<ByteBuffer, ByteBuffer> content(BpfMap map) {
        Map<ByteBuffer, ByteBuffer> out = new HashMap<>();
        for (BpfMap.Entry e : map.entries()) {
            out.put(ByteBuffer.wrap(e.key()), ByteBuffer.wrap(e.value()));
        }
        return out;
    }

    private static byte[] key(String cidr) {
        return IpcacheKey.ofCidr(cidr).encode();
    }

    private static ByteBuffer buffer(String cidr) {
        return ByteBuffer.wrap(key(cidr));
    }

    private static byte[] value(long identity) {
        return IpcacheValue.of(identity).encode();
    }
}
