package dev.tendril.topics;

import dev.tendril.topics.FollowerStatus.Failure;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;

/** A follower's failure streak: the last failure and the next pause, doubled per failure up to the cap. */
final class Retry {

    private final Duration min;
    private final Duration max;
    private Duration backoff;
    private boolean failing;
    private Failure last;

    Retry(Duration min, Duration max) {
        this.min = min;
        this.max = max;
        this.backoff = min;
    }

    boolean failing() {
        return failing;
    }

    /** The last failure, also after recovery; null before the first. */
    Failure last() {
        return last;
    }

    /** Records a failure and returns how long to pause before the next attempt. */
    Duration failed(String message) {
        failing = true;
        last = new Failure(message, Instant.now());
        Duration pause = backoff;
        backoff = Collections.min(List.of(backoff.multipliedBy(2), max));
        return pause;
    }

    /** Ends a streak; true when there was one. */
    boolean recovered() {
        boolean was = failing;
        failing = false;
        backoff = min;
        return was;
    }
}
