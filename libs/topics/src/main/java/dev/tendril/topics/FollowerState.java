package dev.tendril.topics;

/** Where a {@link TopicFollower} is. */
public enum FollowerState {
    /** Reading towards the end offsets captured at the start; the handler sees a partial snapshot. */
    BOOTSTRAPPING,
    /** Caught up once; handing over every new record. */
    FOLLOWING,
    /** The last step failed (Kafka unreachable, the handler threw); retried with backoff. */
    RETRYING,
    /** Closed: the thread is gone and nothing is delivered any more. */
    CLOSED
}
