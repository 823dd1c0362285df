package dev.tendril.datapath.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HashMapInMemoryTest extends BpfMapContractTest {

    @Override
    protected BpfMap newMap(int maxEntries) {
        return new HashMapInMemory(MapSpec.hash("test_hash", KEY_SIZE, VALUE_SIZE, maxEntries));
    }

    @Override
    protected byte[] key(int i) {
        return new byte[] {(byte) i, (byte) (i >>> 8), 0, 0, 0, 0, 0, 7};
    }

    @Override
    protected Errno fullErrno() {
        return Errno.E2BIG;
    }

    @Test
    void matchesKeysExactlyWithoutPrefixSemantics() {
        BpfMap map = newMap(4);
        byte[] k = {8, 0, 0, 0, 10, 0, 0, 0};
        map.put(k, value(1));
        assertThat(map.lookup(new byte[] {32, 0, 0, 0, 10, 0, 0, 0})).isEmpty();
    }

    @Test
    void refusesASpecOfAnotherType() {
        assertThatThrownBy(() -> new HashMapInMemory(MapSpec.lpmTrie("t", 8, 4, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HASH");
    }

    @Test
    void anLruHashEvictsTheLeastRecentlyUsedEntryWhenFull() {
        BpfMap lru = new HashMapInMemory(MapSpec.lruHash("test_lru", KEY_SIZE, VALUE_SIZE, 2));
        lru.put(key(1), value(1));
        lru.put(key(2), value(2));
        lru.lookup(key(1));
        lru.put(key(3), value(3));
        assertThat(lru.lookup(key(2))).isEmpty();
        assertThat(lru.lookup(key(1))).isPresent();
        assertThat(lru.lookup(key(3))).isPresent();
        assertThat(lru.size()).isEqualTo(2);
    }
}
