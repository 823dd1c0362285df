package dev.tendril.datapath.maps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.ipcache.IpcacheKey;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Byte keys are equal by content, and the ipcache's keys of a large cluster spread over distinct hashes. */
class ByteKeyTest {

    @Test
    void equalByContentWithEqualHashes() {
        ByteKey a = new ByteKey(new byte[] {1, 2, 3});
        ByteKey b = new ByteKey(new byte[] {1, 2, 3});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new ByteKey(new byte[] {1, 2, 4}));
        assertThat(a).isNotEqualTo(new ByteKey(new byte[] {1, 2, 3, 0}));
    }

    @Test
    void ipcacheKeysOfOneHundredFiftyThousandAddressesHaveDistinctHashes() {
        Set<Integer> hashes = new HashSet<>();
        int keys = 150_000;
        for (int i = 0; i < keys; i++) {
            String ip = "10." + ((i >> 16) & 0x3F) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
            hashes.add(new ByteKey(IpcacheKey.ofAddress(ip).encode()).hashCode());
        }
        // Arrays.hashCode gave these keys about 10,000 distinct values; a sound 32-bit hash collides a few times.
        assertThat(hashes.size()).isGreaterThan(keys - 10);
    }
}
