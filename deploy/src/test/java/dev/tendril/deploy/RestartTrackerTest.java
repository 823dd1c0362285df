package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RestartTrackerTest {

    private static final BackOff BACK_OFF =
            new BackOff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /**
     * One step of a component's life: {@code s} started, {@code h} healthy, {@code +Ns} time passes, {@code c} crashed
     * (the step's result is the back-off delay in seconds).
     */
    static Stream<Arguments> lives() {
        return Stream.of(
                Arguments.of("first crash waits the initial delay", "s h c", List.of(1L), 0),
                Arguments.of("crash loop doubles the delay", "s c s c s c s c", List.of(1L, 2L, 4L, 8L), 3),
                Arguments.of(
                        "the delay stops growing at the maximum",
                        "s c s c s c s c s c s c s c",
                        List.of(1L, 2L, 4L, 8L, 16L, 30L, 30L),
                        6),
                Arguments.of("healthy for a minute resets the series", "s c s c s h +60s c", List.of(1L, 2L, 1L), 2),
                Arguments.of("healthy but not for long keeps doubling", "s c s c s h +59s c", List.of(1L, 2L, 4L), 2),
                Arguments.of(
                        "running long without becoming healthy keeps doubling", "s c s +120s c", List.of(1L, 2L), 1),
                Arguments.of("no crash, no restart", "s h +600s", List.of(), 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lives")
    void decidesBackOffFromTheComponentsHistory(String name, String steps, List<Long> delays, int restarts) {
        ManualClock clock = new ManualClock();
        RestartTracker tracker = new RestartTracker(BACK_OFF, clock);
        List<Long> seen = new ArrayList<>();
        for (String step : steps.split(" ")) {
            switch (step) {
                case "s" -> tracker.started();
                case "h" -> tracker.healthy();
                case "c" -> seen.add(tracker.crashed(137).toSeconds());
                default -> clock.advance(Duration.parse("PT" + step.substring(1).toUpperCase()));
            }
        }
        assertThat(seen).as(steps).isEqualTo(delays);
        assertThat(tracker.restarts()).isEqualTo(restarts);
    }

    @Test
    void keepsTheLastExitWithItsReasonAndTime() {
        ManualClock clock = new ManualClock();
        RestartTracker tracker = new RestartTracker(BACK_OFF, clock);
        tracker.started();
        clock.advance(Duration.ofSeconds(5));
        tracker.crashed(137);
        assertThat(tracker.lastExit())
                .contains(new RestartTracker.Exit(137, "killed by SIGKILL", Instant.parse("2026-01-01T00:00:05Z")));
        tracker.started();
        tracker.stopped(143, "restarted on request");
        assertThat(tracker.lastExit())
                .get()
                .extracting(RestartTracker.Exit::reason)
                .isEqualTo("restarted on request");
        assertThat(tracker.restarts()).isEqualTo(1);
    }

    @Test
    void aRequestedStopIsNotCountedAsACrash() {
        RestartTracker tracker = new RestartTracker(BACK_OFF, new ManualClock());
        tracker.started();
        tracker.crashed(1);
        tracker.started();
        tracker.stopped(143, "restarted on request");
        tracker.started();
        assertThat(tracker.crashed(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(tracker.consecutiveCrashes()).isEqualTo(2);
    }

    @ParameterizedTest(name = "exit code {0}: {1}")
    @org.junit.jupiter.params.provider.CsvSource({
        "0, exited with code 0",
        "1, exited with code 1",
        "137, killed by SIGKILL",
        "143, killed by SIGTERM",
        "134, killed by SIGABRT",
        "200, exited with code 200"
    })
    void describesExitCodes(int code, String reason) {
        assertThat(RestartTracker.describe(code)).isEqualTo(reason);
    }

    @ParameterizedTest(name = "crash {0} waits {1} s")
    @org.junit.jupiter.params.provider.CsvSource({"1, 1", "2, 2", "3, 4", "5, 16", "6, 30", "40, 30"})
    void backOffDoublesUpToTheMaximum(int n, long seconds) {
        assertThat(BACK_OFF.delay(n)).isEqualTo(Duration.ofSeconds(seconds));
    }
}
