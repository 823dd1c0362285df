package dev.tendril.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class StartPositionTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    record Case(String name, StartPosition start, TopicPartition partition, long begin, long end, long expected) {}

    @Test
    void startsEveryPartitionInsideWhatItHolds() {
        List<Case> cases = List.of(
                new Case("beginning", StartPosition.beginning(), P0, 5, 20, 5),
                new Case("tail shorter than the partition", StartPosition.tail(3), P0, 5, 20, 17),
                new Case("tail longer than the partition", StartPosition.tail(100), P0, 5, 20, 5),
                new Case("tail of nothing", StartPosition.tail(0), P0, 5, 20, 20),
                new Case("given offset", StartPosition.offsets(Map.of(P0, 12L)), P0, 5, 20, 12),
                new Case("given offset compacted away", StartPosition.offsets(Map.of(P0, 2L)), P0, 5, 20, 5),
                new Case("given offset past the end", StartPosition.offsets(Map.of(P0, 99L)), P0, 5, 20, 20),
                new Case("partition not given", StartPosition.offsets(Map.of(P0, 12L)), P1, 5, 20, 5),
                new Case("empty partition", StartPosition.tail(3), P0, 0, 0, 0));
        for (Case c : cases) {
            assertThat(c.start().offset(c.partition(), c.begin(), c.end()))
                    .as(c.name())
                    .isEqualTo(c.expected());
        }
    }

    @Test
    void refusesANegativeTail() {
        assertThatThrownBy(() -> StartPosition.tail(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
