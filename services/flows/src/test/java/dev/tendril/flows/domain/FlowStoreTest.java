package dev.tendril.flows.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rings, merge by time across nodes, first/last N, since/until, followers and lost events. */
class FlowStoreTest {

    @Test
    void ringCapacityIsTwoToTheNMinusOneUpTo65535() {
        for (int ok : new int[] {1, 3, 7, 4095, 65535}) {
            new FlowRing("n", ok);
        }
        for (int bad : new int[] {0, 2, 4096, 65536, 131071, -1}) {
            assertThatThrownBy(() -> new FlowRing("n", bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void ringKeepsTheNewestCapacityFlows() {
        FlowRing ring = new FlowRing("n", 3);
        for (int i = 0; i < 5; i++) {
            ring.write(TestFlows.at(i, "n"), 0);
        }
        assertThat(ring.size()).isEqualTo(3);
        assertThat(ring.oldest()).isEqualTo(2);
        assertThat(ring.read(1)).isNull();
        assertThat(ring.read(2).timeNanos).isEqualTo(2);
        assertThat(ring.read(4).timeNanos).isEqualTo(4);
        assertThat(ring.read(5)).isNull();
    }

    @Test
    void mergesNodesByTimeAndTakesLastOrFirstN() {
        FlowStore store = new FlowStore(7);
        for (int i = 0; i < 6; i++) {
            store.add(TestFlows.at(i * 2, "a"), 0);
            store.add(TestFlows.at(i * 2 + 1, "b"), 0);
        }
        assertThat(times(store, new FlowQuery(0, false, false, Long.MIN_VALUE, Long.MAX_VALUE, FlowSelection.ALL)))
                .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
        assertThat(times(store, new FlowQuery(3, false, false, Long.MIN_VALUE, Long.MAX_VALUE, FlowSelection.ALL)))
                .containsExactly(9L, 10L, 11L);
        assertThat(times(store, new FlowQuery(3, true, false, Long.MIN_VALUE, Long.MAX_VALUE, FlowSelection.ALL)))
                .containsExactly(0L, 1L, 2L);
        assertThat(times(store, new FlowQuery(0, false, false, 4, 7, FlowSelection.ALL)))
                .containsExactly(4L, 5L, 6L, 7L);
        assertThat(times(store, new FlowQuery(2, true, false, 4, 7, FlowSelection.ALL)))
                .containsExactly(4L, 5L);
    }

    @Test
    void sinceWithNumberTakesTheFirstNOfTheRangeAsHubbleDoes() {
        FlowStore store = new FlowStore(15);
        for (int i = 0; i < 10; i++) {
            store.add(TestFlows.at(i, "a"), 0);
        }
        // hubble observe --since T --last 3: Hubble's ring reader counts from since, not back from the end.
        assertThat(times(store, new FlowQuery(3, false, false, 4, Long.MAX_VALUE, FlowSelection.ALL)))
                .containsExactly(4L, 5L, 6L);
        assertThat(times(store, new FlowQuery(2, false, false, 4, 8, FlowSelection.ALL)))
                .containsExactly(4L, 5L);
        assertThat(times(store, new FlowQuery(2, false, false, Long.MIN_VALUE, 8, FlowSelection.ALL)))
                .containsExactly(7L, 8L);
    }

    @Test
    void numberIsAnUnsignedCountAndItsLargestValueMeansAll() {
        // observe --all sends 2^64-1, which a Java long holds as -1.
        long all = FlowQuery.unsignedNumber(-1L);
        assertThat(all).isEqualTo(Long.MAX_VALUE);
        assertThat(FlowQuery.unsignedNumber(Long.MIN_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(FlowQuery.unsignedNumber(20)).isEqualTo(20);
        FlowStore store = new FlowStore(7);
        for (int i = 0; i < 5; i++) {
            store.add(TestFlows.at(i, "a"), 0);
        }
        assertThat(times(store, new FlowQuery(all, false, false, Long.MIN_VALUE, Long.MAX_VALUE, FlowSelection.ALL)))
                .containsExactly(0L, 1L, 2L, 3L, 4L);
    }

    @Test
    void aFollowWithoutNumberOrSinceReplaysNothing() {
        assertThat(new FlowQuery(0, false, true, Long.MIN_VALUE, Long.MAX_VALUE, FlowSelection.ALL).replays())
                .isFalse();
        assertThat(new FlowQuery(5, false, true, Long.MIN_VALUE, Long.MAX_VALUE, FlowSelection.ALL).replays())
                .isTrue();
        assertThat(new FlowQuery(0, false, true, 3, Long.MAX_VALUE, FlowSelection.ALL).replays())
                .isTrue();
        assertThat(new FlowQuery(0, false, false, Long.MIN_VALUE, Long.MAX_VALUE, FlowSelection.ALL).replays())
                .isTrue();
    }

    @Test
    void followerSeesNewFlowsInOrderAndReportsWhatTheRingOverwrote() {
        FlowStore store = new FlowStore(3);
        store.add(TestFlows.at(0, "a"), 0);
        Map<FlowRing, Long> mark = store.mark();
        FlowStore.Follower follower =
                store.follow(new FlowQuery(0, false, true, Long.MIN_VALUE, Long.MAX_VALUE, FlowSelection.ALL), mark);
        store.add(TestFlows.at(2, "a"), 0);
        store.add(TestFlows.at(1, "b"), 0);
        assertThat(follower.poll(100))
                .extracting(e -> ((FlowEvent.Flowed) e).flow().timeNanos)
                .containsExactly(1L, 2L);
        for (int i = 10; i < 20; i++) {
            store.add(TestFlows.at(i, "a"), 0);
        }
        List<FlowEvent> events = follower.poll(100);
        assertThat(events.getFirst()).isEqualTo(new FlowEvent.Lost("a", 7));
        assertThat(events.subList(1, events.size()))
                .extracting(e -> ((FlowEvent.Flowed) e).flow().timeNanos)
                .containsExactly(17L, 18L, 19L);
        assertThat(store.lostToReaders()).isEqualTo(7);
    }

    @Test
    void sortBufferReordersNodesWithinItsWindow() {
        SortBuffer buffer = new SortBuffer(100, 1000);
        buffer.add(TestFlows.at(5, "b"), 0);
        buffer.add(TestFlows.at(3, "a"), 50);
        assertThat(buffer.drain(149)).isEmpty();
        assertThat(buffer.drain(150)).extracting(f -> f.timeNanos).containsExactly(3L, 5L);
        assertThat(buffer.isEmpty()).isTrue();
    }

    @Test
    void sortBufferGivesFlowsInTimeOrderAndEqualTimesInArrivalOrder() {
        java.util.Random random = new java.util.Random(15);
        SortBuffer buffer = new SortBuffer(100, 10_000);
        List<StoredFlow> added = new java.util.ArrayList<>();
        List<StoredFlow> out = new java.util.ArrayList<>();
        for (int round = 0; round < 50; round++) {
            for (int i = random.nextInt(40); i > 0; i--) {
                StoredFlow flow = TestFlows.at(random.nextInt(200), "n" + random.nextInt(3));
                added.add(flow);
                buffer.add(flow, round);
            }
            // Nothing has waited its window yet.
            buffer.drain(round, out::add);
        }
        assertThat(out).isEmpty();
        buffer.drain(1_000, out::add);
        assertThat(buffer.isEmpty()).isTrue();
        List<StoredFlow> expected = new java.util.ArrayList<>(added);
        expected.sort(java.util.Comparator.comparingLong(f -> f.timeNanos)); // stable: arrival order on ties
        assertThat(out).containsExactlyElementsOf(expected);
    }

    @Test
    void sortBufferOverItsLengthDrainsItsOldest() {
        SortBuffer buffer = new SortBuffer(1_000, 3);
        for (long time : new long[] {9, 4, 7, 1, 8}) {
            buffer.add(TestFlows.at(time, "a"), 0);
        }
        assertThat(buffer.drain(0)).extracting(f -> f.timeNanos).containsExactly(1L, 4L);
        assertThat(buffer.drain(1_000)).extracting(f -> f.timeNanos).containsExactly(7L, 8L, 9L);
    }

    @Test
    void sortBufferSaysWhenItsOldestFlowFallsDue() {
        SortBuffer buffer = new SortBuffer(100, 2);
        assertThat(buffer.nanosUntilDue(0)).isEqualTo(Long.MAX_VALUE);
        buffer.add(TestFlows.at(5, "b"), 0);
        buffer.add(TestFlows.at(3, "a"), 50);
        assertThat(buffer.nanosUntilDue(60)).isEqualTo(90);
        assertThat(buffer.nanosUntilDue(200)).isZero();
        buffer.add(TestFlows.at(4, "c"), 60);
        assertThat(buffer.nanosUntilDue(60)).as("over its length: now").isZero();
    }

    private static List<Long> times(FlowStore store, FlowQuery query) {
        return store.query(query, store.mark()).flows().stream()
                .map(f -> f.timeNanos)
                .toList();
    }
}
