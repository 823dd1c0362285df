package dev.tendril.datapath.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import java.net.InetAddress;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LpmTrieInMemoryTest extends BpfMapContractTest {

    @Override
    protected BpfMap newMap(int maxEntries) {
        return new LpmTrieInMemory(MapSpec.lpmTrie("test_lpm", KEY_SIZE, VALUE_SIZE, maxEntries));
    }

    /** Full-prefix (32-bit) keys, so that prefix matching coincides with exact matching. */
    @Override
    protected byte[] key(int i) {
        return lpmKey(32, i);
    }

    @Override
    protected Errno fullErrno() {
        return Errno.ENOSPC;
    }

    static byte[] lpmKey(int prefix, int data) {
        return new byte[] {
            (byte) prefix, 0, 0, 0, (byte) (data >>> 24), (byte) (data >>> 16), (byte) (data >>> 8), (byte) data
        };
    }

    @Test
    void longestPrefixWinsAmongNestedPrefixes() {
        BpfMap map = newMap(8);
        map.put(lpmKey(8, 0x0A000000), value(8));
        map.put(lpmKey(16, 0x0A010000), value(16));
        map.put(lpmKey(24, 0x0A010200), value(24));
        map.put(lpmKey(32, 0x0A010203), value(32));
        assertThat(map.lookup(lpmKey(32, 0x0A010203)).orElseThrow()[0]).isEqualTo((byte) 32);
        assertThat(map.lookup(lpmKey(32, 0x0A010204)).orElseThrow()[0]).isEqualTo((byte) 24);
        assertThat(map.lookup(lpmKey(32, 0x0A01FF01)).orElseThrow()[0]).isEqualTo((byte) 16);
        assertThat(map.lookup(lpmKey(32, 0x0AFF0001)).orElseThrow()[0]).isEqualTo((byte) 8);
        assertThat(map.lookup(lpmKey(32, 0x0B000001))).isEmpty();
    }

    @Test
    void deletingAPrefixFallsBackToTheNextShorterOne() {
        BpfMap map = newMap(8);
        map.put(lpmKey(8, 0x0A000000), value(8));
        map.put(lpmKey(24, 0x0A010200), value(24));
        assertThat(map.delete(lpmKey(24, 0x0A010200))).isTrue();
        assertThat(map.lookup(lpmKey(32, 0x0A010203)).orElseThrow()[0]).isEqualTo((byte) 8);
    }

    @Test
    void zeroLengthPrefixIsTheDefault() {
        BpfMap map = newMap(8);
        map.put(lpmKey(0, 0), value(1));
        map.put(lpmKey(8, 0x0A000000), value(8));
        assertThat(map.lookup(lpmKey(32, 0xC0A80001)).orElseThrow()[0]).isEqualTo((byte) 1);
        assertThat(map.lookup(lpmKey(32, 0x0A000001)).orElseThrow()[0]).isEqualTo((byte) 8);
    }

    @Test
    void bitsBeyondThePrefixAddressTheSameEntry() {
        BpfMap map = newMap(8);
        map.put(lpmKey(8, 0x0A000000), value(1));
        map.put(lpmKey(8, 0x0A123456), value(2));
        assertThat(map.size()).isEqualTo(1);
        assertThat(map.lookup(lpmKey(32, 0x0A999999)).orElseThrow()[0]).isEqualTo((byte) 2);
        assertThatThrownBy(() -> map.update(lpmKey(8, 0x0AFFFFFF), value(3), UpdateFlag.NOEXIST))
                .isInstanceOfSatisfying(
                        BpfMapException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
        assertThat(map.delete(lpmKey(8, 0x0A000001))).isTrue();
        assertThat(map.size()).isZero();
    }

    @Test
    void samePrefixBitsWithDifferentLengthsAreDifferentEntries() {
        BpfMap map = newMap(8);
        map.put(lpmKey(8, 0x0A000000), value(8));
        map.put(lpmKey(9, 0x0A000000), value(9));
        assertThat(map.size()).isEqualTo(2);
        assertThat(map.lookup(lpmKey(32, 0x0A000001)).orElseThrow()[0]).isEqualTo((byte) 9);
        assertThat(map.lookup(lpmKey(32, 0x0A800001)).orElseThrow()[0]).isEqualTo((byte) 8);
    }

    @Test
    void aLookupMatchesOnlyPrefixesNoLongerThanItsOwn() {
        BpfMap map = newMap(8);
        map.put(lpmKey(24, 0x0A010200), value(24));
        assertThat(map.lookup(lpmKey(16, 0x0A010200))).isEmpty();
        assertThat(map.lookup(lpmKey(24, 0x0A010200))).isPresent();
    }

    @Test
    void prefixLongerThanTheDataIsEinvalOnUpdateAndMatchesNothing() {
        BpfMap map = newMap(8);
        assertThatThrownBy(() -> map.put(lpmKey(33, 0), value(1)))
                .isInstanceOfSatisfying(
                        BpfMapException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        map.put(lpmKey(0, 0), value(1));
        assertThat(map.lookup(lpmKey(33, 0))).isEmpty();
        assertThat(map.delete(lpmKey(33, 0))).isFalse();
    }

    @Test
    void lookupEntryNamesTheStoredKey() {
        LpmTrieInMemory map = (LpmTrieInMemory) newMap(8);
        map.put(lpmKey(16, 0x0A010000), value(16));
        assertThat(map.lookupEntry(lpmKey(32, 0x0A010203)).orElseThrow().key()).containsExactly(lpmKey(16, 0x0A010000));
    }

    @Test
    void specOfAnLpmTrieIsValidatedAsTheKernelDoes() {
        assertThatThrownBy(() -> MapSpec.lpmTrie("t", 4, 4, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keySize of an LPM trie");
        assertThatThrownBy(() -> new MapSpec("t", MapType.LPM_TRIE, 8, 4, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BPF_F_NO_PREALLOC");
        assertThatThrownBy(() -> MapSpec.lpmTrie("t", 8, 4, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxEntries");
        assertThat(MapSpec.lpmTrie("t", 24, 24, 1).maxPrefixLength()).isEqualTo(160);
    }

    /** The ipcache layout on the trie: families and clusters are part of the static prefix. */
    @Nested
    class IpcacheLayout {
        final Ipcache ipcache = Ipcache.inMemory("cilium_ipcache_v2", 64);

        @Test
        void nestedIpv4Prefixes() {
            ipcache.put(IpcacheKey.ofCidr("10.0.0.0/8"), IpcacheValue.of(16777217));
            ipcache.put(IpcacheKey.ofCidr("10.1.0.0/16"), IpcacheValue.of(16777218));
            ipcache.put(IpcacheKey.ofAddress("10.1.2.3"), IpcacheValue.of(1001));
            assertThat(identityOf("10.1.2.3")).isEqualTo(1001);
            assertThat(identityOf("10.1.9.9")).isEqualTo(16777218);
            assertThat(identityOf("10.200.0.1")).isEqualTo(16777217);
            assertThat(ipcache.lookup(InetAddress.ofLiteral("11.0.0.1"))).isEmpty();
        }

        @Test
        void ipv4DefaultDoesNotMatchIpv6AndViceVersa() {
            ipcache.put(IpcacheKey.ofCidr("0.0.0.0/0"), IpcacheValue.of(9));
            assertThat(identityOf("192.0.2.1")).isEqualTo(9);
            assertThat(ipcache.lookup(InetAddress.ofLiteral("2001:db8::1"))).isEmpty();
            ipcache.put(IpcacheKey.ofCidr("::/0"), IpcacheValue.of(10));
            assertThat(identityOf("2001:db8::1")).isEqualTo(10);
            assertThat(identityOf("192.0.2.1")).isEqualTo(9);
        }

        @Test
        void nestedIpv6Prefixes() {
            ipcache.put(IpcacheKey.ofCidr("fd00::/104"), IpcacheValue.of(16777219));
            ipcache.put(IpcacheKey.ofAddress("fd00::1:2"), IpcacheValue.of(1003));
            assertThat(identityOf("fd00::1:2")).isEqualTo(1003);
            assertThat(identityOf("fd00::1:3")).isEqualTo(16777219);
            assertThat(ipcache.lookup(InetAddress.ofLiteral("fd01::1"))).isEmpty();
        }

        @Test
        void clusterIdSeparatesOverlappingPrefixes() {
            ipcache.put(IpcacheKey.ofCidr("10.0.0.0/8", 0), IpcacheValue.of(100));
            ipcache.put(IpcacheKey.ofCidr("10.0.0.0/8", 2), IpcacheValue.of(200));
            assertThat(ipcache.lookup(InetAddress.ofLiteral("10.0.0.1"), 0)
                            .orElseThrow()
                            .identity())
                    .isEqualTo(100);
            assertThat(ipcache.lookup(InetAddress.ofLiteral("10.0.0.1"), 2)
                            .orElseThrow()
                            .identity())
                    .isEqualTo(200);
            assertThat(ipcache.entries()).hasSize(2);
        }

        @Test
        void removingAHostEntryExposesTheCoveringCidr() {
            ipcache.put(IpcacheKey.ofCidr("10.0.0.0/8"), IpcacheValue.of(16777217));
            ipcache.put(IpcacheKey.ofAddress("10.0.0.5"), IpcacheValue.of(1001));
            assertThat(ipcache.remove(IpcacheKey.ofAddress("10.0.0.5"))).isTrue();
            assertThat(identityOf("10.0.0.5")).isEqualTo(16777217);
        }

        private long identityOf(String address) {
            return ipcache.lookup(InetAddress.ofLiteral(address)).orElseThrow().identity();
        }
    }
}
