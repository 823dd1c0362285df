package dev.tendril.datapath.maps;

/** The eBPF map types Tendril uses, with their {@code enum bpf_map_type} numbers. */
public enum MapType {
    HASH(1),
    /** Evicts the least recently used entry instead of failing when full. */
    LRU_HASH(9),
    LPM_TRIE(11);

    private final int kernelValue;

    MapType(int kernelValue) {
        this.kernelValue = kernelValue;
    }

    /** The value passed as {@code map_type} to {@code BPF_MAP_CREATE}. */
    public int kernelValue() {
        return kernelValue;
    }
}
