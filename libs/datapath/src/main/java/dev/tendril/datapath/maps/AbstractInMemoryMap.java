package dev.tendril.datapath.maps;

import java.util.Set;

/** Size checks shared by the in-memory maps. */
abstract sealed class AbstractInMemoryMap implements BpfMap permits HashMapInMemory, LpmTrieInMemory {
    protected final MapSpec spec;

    AbstractInMemoryMap(MapSpec spec, Set<MapType> expected) {
        if (spec == null) {
            throw new IllegalArgumentException("spec must not be null");
        }
        if (!expected.contains(spec.type())) {
            throw new IllegalArgumentException("spec type must be one of " + expected + ", got " + spec.type());
        }
        this.spec = spec;
    }

    @Override
    public MapSpec spec() {
        return spec;
    }

    protected final void checkKey(byte[] key) {
        if (key == null || key.length != spec.keySize()) {
            throw new IllegalArgumentException(spec.name() + ": key must be " + spec.keySize() + " bytes, got "
                    + (key == null ? "null" : key.length));
        }
    }

    protected final void checkValue(byte[] value) {
        if (value == null || value.length != spec.valueSize()) {
            throw new IllegalArgumentException(spec.name() + ": value must be " + spec.valueSize() + " bytes, got "
                    + (value == null ? "null" : value.length));
        }
    }

    protected final void checkFlag(UpdateFlag flag) {
        if (flag == null) {
            throw new IllegalArgumentException(spec.name() + ": flag must not be null");
        }
    }
}
