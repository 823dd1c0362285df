package dev.tendril.deploy;

import java.time.Duration;

/**
 * How long the supervisor waits before starting a crashed component again: {@code initial}, doubling with every
 * consecutive crash up to {@code max}; a component that stayed healthy for {@code stableAfter} starts the series over
 * (systemd's RestartSec/RestartMaxDelaySec, Kubernetes' CrashLoopBackOff).
 */
record BackOff(Duration initial, Duration max, Duration stableAfter) {

    static final BackOff DEFAULT = new BackOff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));

    BackOff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || stableAfter.isNegative()) {
            throw new IllegalArgumentException("back-off needs 0 < initial <= max and stableAfter >= 0: " + initial
                    + ", " + max + ", " + stableAfter);
        }
    }

    /** The delay before the start that follows the {@code n}th consecutive crash (n >= 1). */
    Duration delay(int n) {
        Duration delay = initial;
        for (int i = 1; i < n && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) > 0 ? max : delay;
    }
}
