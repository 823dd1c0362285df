package dev.tendril.deploy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The supervisor's decisions for one component, without processes or threads: how often it was started again, its
 * last exit, and how long to wait after a crash. Single-threaded; the supervisor calls it under its lock.
 */
final class RestartTracker {

    /** Why a component's process ended, as {@code tendril status} shows it. */
    record Exit(int code, String reason, Instant at) {}

    private final BackOff backOff;
    private final Clock clock;
    private int starts;
    private int consecutiveCrashes;
    private Instant healthySince;
    private Exit lastExit;

    RestartTracker(BackOff backOff, Clock clock) {
        this.backOff = backOff;
        this.clock = clock;
    }

    /** A process of the component was started; every start after the first counts as a restart. */
    void started() {
        starts++;
        healthySince = null;
    }

    /** Its health check passed; the first pass after a start is when it became healthy. */
    void healthy() {
        if (healthySince == null) {
            healthySince = clock.instant();
        }
    }

    boolean isHealthy() {
        return healthySince != null;
    }

    /**
     * It exited while nobody asked it to: records the exit and returns how long to wait before starting it again.
     * A component that had been healthy for {@link BackOff#stableAfter()} begins the back-off series anew.
     */
    Duration crashed(int code) {
        Instant now = clock.instant();
        if (healthySince != null
                && !Duration.between(healthySince, now)
                        .minus(backOff.stableAfter())
                        .isNegative()) {
            consecutiveCrashes = 0;
        }
        consecutiveCrashes++;
        lastExit = new Exit(code, describe(code), now);
        healthySince = null;
        return backOff.delay(consecutiveCrashes);
    }

    /** It was stopped on request (tendril restart, or the stack stopping): no crash, no back-off. */
    void stopped(int code, String reason) {
        lastExit = new Exit(code, reason, clock.instant());
        healthySince = null;
    }

    int restarts() {
        return Math.max(0, starts - 1);
    }

    int consecutiveCrashes() {
        return consecutiveCrashes;
    }

    Optional<Exit> lastExit() {
        return Optional.ofNullable(lastExit);
    }

    /** {@code exited with code 1}, or {@code killed by SIGKILL} for the 128+n codes a signal leaves. */
    static String describe(int code) {
        if (code > 128 && code < 128 + 32) {
            return "killed by " + signalName(code - 128);
        }
        return "exited with code " + code;
    }

    /** A back-off delay as the launcher prints it: whole seconds as "2 s", else milliseconds. */
    static String describe(Duration delay) {
        return delay.toMillis() % 1000 == 0 ? delay.toSeconds() + " s" : delay.toMillis() + " ms";
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 6 -> "SIGABRT";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
    }
}
