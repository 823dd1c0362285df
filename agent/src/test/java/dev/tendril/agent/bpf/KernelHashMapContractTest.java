package dev.tendril.agent.bpf;

import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.BpfMapContractTest;
import dev.tendril.datapath.maps.Errno;
import dev.tendril.datapath.maps.MapSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The libs/datapath map contract on a kernel BPF_MAP_TYPE_HASH, with the keys HashMapInMemoryTest uses. */
class KernelHashMapContractTest extends BpfMapContractTest {
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
        KernelBpfMap map = KernelBpfMap.create(MapSpec.hash("test_hash", KEY_SIZE, VALUE_SIZE, maxEntries));
        opened.add(map);
        return map;
    }

    @Override
    protected byte[] key(int i) {
        return new byte[] {(byte) i, (byte) (i >>> 8), 0, 0, 0, 0, 0, 7};
    }

    @Override
    protected Errno fullErrno() {
        return Errno.E2BIG;
    }
}
