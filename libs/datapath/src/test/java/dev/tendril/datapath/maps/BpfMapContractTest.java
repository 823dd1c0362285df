package dev.tendril.datapath.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link BpfMap} shares with the kernel's hash and LPM-trie maps, run against each
 * implementation: the in-memory maps here, and the agent's bpf(2) maps through this module's test jar.
 * Keys come from {@link #key(int)}: distinct full keys (full-prefix keys for a trie), where the map
 * types agree.
 */
public abstract class BpfMapContractTest {
    protected static final int KEY_SIZE = 8;
    protected static final int VALUE_SIZE = 4;

    /** A new, empty map with 8-byte keys and 4-byte values. */
    protected abstract BpfMap newMap(int maxEntries);

    /** The i-th distinct key of {@link #KEY_SIZE} bytes. */
    protected abstract byte[] key(int i);

    /** What the kernel returns for a new key in a full map of this type. */
    protected abstract Errno fullErrno();

    /**
     * Whether an existing key can be replaced while the map is full. True for hash maps and for LPM
     * tries since Linux 6.14; an LPM trie on an older kernel refuses it with ENOSPC.
     */
    protected boolean replacesExistingKeysWhenFull() {
        return true;
    }

    protected static byte[] value(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), 0, 0};
    }

    @Test
    void looksUpWhatWasStored() {
        BpfMap map = newMap(4);
        map.update(key(1), value(10), UpdateFlag.ANY);
        assertThat(map.lookup(key(1))).hasValueSatisfying(v -> assertThat(v).containsExactly(value(10)));
        assertThat(map.lookup(key(2))).isEmpty();
        assertThat(map.size()).isEqualTo(1);
    }

    @Test
    void anyReplacesAnExistingValue() {
        BpfMap map = newMap(4);
        map.put(key(1), value(10));
        map.put(key(1), value(11));
        assertThat(map.lookup(key(1))).hasValueSatisfying(v -> assertThat(v).containsExactly(value(11)));
        assertThat(map.size()).isEqualTo(1);
    }

    @Test
    void noexistRefusesAnExistingKeyWithEexistAndKeepsTheValue() {
        BpfMap map = newMap(4);
        map.update(key(1), value(10), UpdateFlag.NOEXIST);
        assertThatThrownBy(() -> map.update(key(1), value(11), UpdateFlag.NOEXIST))
                .isInstanceOfSatisfying(
                        BpfMapException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
        assertThat(map.lookup(key(1))).hasValueSatisfying(v -> assertThat(v).containsExactly(value(10)));
    }

    @Test
    void existRefusesAMissingKeyWithEnoentAndReplacesAnExistingOne() {
        BpfMap map = newMap(4);
        assertThatThrownBy(() -> map.update(key(1), value(10), UpdateFlag.EXIST))
                .isInstanceOfSatisfying(
                        BpfMapException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
        assertThat(map.size()).isZero();
        map.put(key(1), value(10));
        map.update(key(1), value(12), UpdateFlag.EXIST);
        assertThat(map.lookup(key(1))).hasValueSatisfying(v -> assertThat(v).containsExactly(value(12)));
    }

    @Test
    void deletesExactlyOnce() {
        BpfMap map = newMap(4);
        map.put(key(1), value(10));
        map.put(key(2), value(20));
        assertThat(map.delete(key(1))).isTrue();
        assertThat(map.delete(key(1))).isFalse();
        assertThat(map.lookup(key(1))).isEmpty();
        assertThat(map.lookup(key(2))).isPresent();
        assertThat(map.size()).isEqualTo(1);
    }

    @Test
    void fullMapRefusesNewKeysButStillReplacesExistingOnes() {
        BpfMap map = newMap(2);
        map.put(key(1), value(10));
        map.put(key(2), value(20));
        assertThatThrownBy(() -> map.put(key(3), value(30))).isInstanceOfSatisfying(BpfMapException.class, e -> {
            assertThat(e.errno()).isEqualTo(fullErrno());
            assertThat(e.isMapFull()).isTrue();
            assertThat(e).hasMessageContaining("map full");
        });
        if (replacesExistingKeysWhenFull()) {
            map.put(key(2), value(21));
            assertThat(map.lookup(key(2))).hasValueSatisfying(v -> assertThat(v).containsExactly(value(21)));
        }
        assertThat(map.size()).isEqualTo(2);
        map.delete(key(1));
        map.put(key(3), value(30));
        assertThat(map.lookup(key(3))).isPresent();
    }

    @Test
    void rejectsKeysAndValuesOfTheWrongSize() {
        BpfMap map = newMap(4);
        assertThatThrownBy(() -> map.put(new byte[KEY_SIZE + 1], value(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key must be 8 bytes");
        assertThatThrownBy(() -> map.put(key(1), new byte[VALUE_SIZE - 1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value must be 4 bytes");
        assertThatThrownBy(() -> map.lookup(new byte[2]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key must be 8 bytes");
        assertThatThrownBy(() -> map.delete(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key must be 8 bytes");
    }

    @Test
    void iteratesEveryEntry() {
        BpfMap map = newMap(8);
        for (int i = 1; i <= 5; i++) {
            map.put(key(i), value(i * 10));
        }
        map.delete(key(3));
        List<BpfMap.Entry> entries = map.entries();
        assertThat(entries).hasSize(4);
        assertThat(map.keys()).hasSize(4);
        for (BpfMap.Entry e : entries) {
            assertThat(map.lookup(e.key()))
                    .hasValueSatisfying(v -> assertThat(v).containsExactly(e.value()));
        }
        assertThat(entries.stream().map(e -> e.value()[0] & 0xFF)).containsExactlyInAnyOrder(10, 20, 40, 50);
    }

    @Test
    void neitherArgumentsNorResultsAliasTheStoredBytes() {
        BpfMap map = newMap(4);
        byte[] k = key(1);
        byte[] v = value(10);
        map.put(k, v);
        v[0] = 99;
        map.lookup(key(1)).orElseThrow()[0] = 98;
        map.entries().getFirst().value()[0] = 97;
        assertThat(map.lookup(key(1))).hasValueSatisfying(x -> assertThat(x).containsExactly(value(10)));
    }

    @Test
    void batchUpdateStopsAtTheFirstFailureKeepingWhatWentBefore() {
        BpfMap map = newMap(2);
        List<BpfMap.Entry> batch = List.of(
                new BpfMap.Entry(key(1), value(10)),
                new BpfMap.Entry(key(2), value(20)),
                new BpfMap.Entry(key(3), value(30)));
        assertThatThrownBy(() -> map.updateAll(batch, UpdateFlag.ANY))
                .isInstanceOfSatisfying(
                        BpfMapException.class, e -> assertThat(e.isMapFull()).isTrue());
        assertThat(map.size()).isEqualTo(2);
        assertThat(map.lookup(key(3))).isEmpty();
        assertThat(map.deleteAll(List.of(key(1), key(3), key(2)))).isEqualTo(2);
        assertThat(map.size()).isZero();
    }

    @Test
    void reportsItsSpec() {
        BpfMap map = newMap(16);
        assertThat(map.maxEntries()).isEqualTo(16);
        assertThat(map.spec().keySize()).isEqualTo(KEY_SIZE);
        assertThat(map.spec().valueSize()).isEqualTo(VALUE_SIZE);
    }
}
