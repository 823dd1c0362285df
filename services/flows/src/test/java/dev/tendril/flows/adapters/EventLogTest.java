package dev.tendril.flows.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The agent-event and peer-change log: bounded history, followers, and what a slow follower loses. */
class EventLogTest {

    @Test
    void keepsTheNewestEventsAndHandsLaterOnesToFollowers() throws Exception {
        EventLog<Integer> log = new EventLog<>(3, 10, n -> {});
        for (int i = 1; i <= 5; i++) {
            log.publish(i);
        }
        assertThat(log.history()).containsExactly(3, 4, 5);
        try (EventLog.Subscription<Integer> follower = log.subscribe()) {
            assertThat(follower.history()).containsExactly(3, 4, 5);
            log.publish(6);
            assertThat(follower.poll(1_000)).isEqualTo(6);
            assertThat(follower.poll(0)).isNull();
        }
        assertThat(log.followers()).isZero();
    }

    @Test
    void aFollowerWhoseQueueIsFullLosesEventsAndTheyAreCounted() throws Exception {
        AtomicLong lost = new AtomicLong();
        EventLog<Integer> log = new EventLog<>(0, 2, lost::addAndGet);
        try (EventLog.Subscription<Integer> slow = log.subscribe();
                EventLog.Subscription<Integer> other = log.subscribe()) {
            for (int i = 1; i <= 5; i++) {
                log.publish(i);
            }
            // Each follower kept the first two; the publisher went on without waiting.
            assertThat(slow.poll(0)).isEqualTo(1);
            assertThat(slow.poll(0)).isEqualTo(2);
            assertThat(slow.poll(0)).isNull();
            assertThat(other.poll(0)).isEqualTo(1);
            assertThat(lost.get()).isEqualTo(6);
            assertThat(log.history()).isEmpty();
        }
    }
}
