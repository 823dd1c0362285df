package dev.tendril.agent.bpf;

import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.BpfMapContractTest;
import dev.tendril.datapath.maps.Errno;
import dev.tendril.datapath.maps.MapSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The libs/datapath map contract on a kernel BPF_MAP_TYPE_LPM_TRIE, with full-prefix keys as in LpmTrieInMemoryTest. */
class KernelLpmTrieContractTest extends BpfMapContractTest {
    private final List<KernelBpfMap> opened = new ArrayList<>();

    @BeforeEach
    void requireBpf() {
        BpfTestSupport.assumeBpf();
    }

    @AfterEach
    void closeMaps() {
        opened.forEach(KernelBpfMap::close);
    }

    @Override
    protected BpfMap newMap(int maxEntries) {
        KernelBpfMap map = KernelBpfMap.create(MapSpec.lpmTrie("test_lpm", KEY_SIZE, VALUE_SIZE, maxEntries));
        opened.add(map);
        return map;
    }

    @Override
    protected byte[] key(int i) {
        return lpmKey(32, i);
    }

    @Override
    protected Errno fullErrno() {
        return Errno.ENOSPC;
    }

    /** Linux 6.14 let a full trie replace an existing prefix; older kernels refuse with ENOSPC. */
    @Override
    protected boolean replacesExistingKeysWhenFull() {
        return BpfTestSupport.kernelAtLeast(6, 14);
    }

    static byte[] lpmKey(int prefix, int data) {
        return new byte[] {
            (byte) prefix, 0, 0, 0, (byte) (data >>> 24), (byte) (data >>> 16), (byte) (data >>> 8), (byte) data
        };
    }
}
