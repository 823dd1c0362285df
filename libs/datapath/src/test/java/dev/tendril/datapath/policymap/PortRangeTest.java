package dev.tendril.datapath.policymap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.datapath.policymap.PortRange.PortPrefix;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PortRangeTest {

    @Test
    void splitsEndPortRangeIntoAlignedBlocks() {
        // 8080-8087 (/13), 8088-8089 (/15), 8090 (/16)
        assertThat(PortRange.split(8080, 8090))
                .containsExactly(new PortPrefix(8080, 13), new PortPrefix(8088, 15), new PortPrefix(8090, 16));
    }

    @Test
    void singlePortIsOneExactPrefix() {
        assertThat(PortRange.split(80, 80)).containsExactly(new PortPrefix(80, 16));
    }

    @Test
    void alignedPowerOfTwoRangeIsOnePrefix() {
        assertThat(PortRange.split(1024, 2047)).containsExactly(new PortPrefix(1024, 6));
        assertThat(PortRange.split(0, 65535)).containsExactly(new PortPrefix(0, 0));
        assertThat(PortRange.split(32768, 65535)).containsExactly(new PortPrefix(32768, 1));
    }

    @Test
    void worstCaseOneToMaxNeedsSixteenPrefixes() {
        List<PortPrefix> split = PortRange.split(1, 65535);
        assertThat(split).hasSize(16);
        assertThat(split.getFirst()).isEqualTo(new PortPrefix(1, 16));
        assertThat(split.getLast()).isEqualTo(new PortPrefix(32768, 1));
    }

    @Test
    void coversExactlyTheRangeWithDisjointAlignedBlocksForRandomRanges() {
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            int a = random.nextInt(65536);
            int b = random.nextInt(65536);
            int from = Math.min(a, b);
            int to = Math.max(a, b);
            List<PortPrefix> split = PortRange.split(from, to);
            int next = from;
            for (PortPrefix p : split) {
                assertThat(p.first()).isEqualTo(next);
                int size = p.last() - p.first() + 1;
                assertThat(p.first() % size).isZero();
                next = p.last() + 1;
            }
            assertThat(next - 1).isEqualTo(to);
            assertThat(split.size()).isLessThanOrEqualTo(30);
        }
    }

    @Test
    void rejectsInvalidRanges() {
        assertThatThrownBy(() -> PortRange.split(90, 80))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("to (80) must not be below from (90)");
        assertThatThrownBy(() -> PortRange.split(-1, 80))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("from");
        assertThatThrownBy(() -> PortRange.split(1, 65536))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("to");
        assertThatThrownBy(() -> new PortPrefix(8081, 13))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bits set beyond");
    }
}
