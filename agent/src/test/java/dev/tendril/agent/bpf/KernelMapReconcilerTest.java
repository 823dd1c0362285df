package dev.tendril.agent.bpf;

import dev.tendril.agent.state.MapReconcilerContractTest;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.MapSpec;
import org.junit.jupiter.api.BeforeEach;

/** The reconciler against real bpf(2) maps; skipped with a printed reason where bpf(2) is refused. */
class KernelMapReconcilerTest extends MapReconcilerContractTest {

    @BeforeEach
    void requireBpf() {
        BpfTestSupport.assumeBpf();
    }

    @Override
    protected BpfMap create(MapSpec spec) {
        return KernelBpfMap.create(spec);
    }

    @Override
    protected void release(BpfMap map) {
        ((KernelBpfMap) map).close();
    }
}
