package dev.tendril.agent.state;

import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.HashMapInMemory;
import dev.tendril.datapath.maps.LpmTrieInMemory;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.MapType;

class InMemoryMapReconcilerTest extends MapReconcilerContractTest {

    @Override
    protected BpfMap create(MapSpec spec) {
        return spec.type() == MapType.LPM_TRIE ? new LpmTrieInMemory(spec) : new HashMapInMemory(spec);
    }
}
