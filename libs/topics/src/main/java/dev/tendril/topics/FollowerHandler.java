package dev.tendril.topics;

/**
 * What a {@link TopicFollower} hands its records to. Every method runs on the follower's own thread, one
 * at a time, so the handler needs no locking for its own state.
 */
public interface FollowerHandler<K, V> {

    /**
     * Applies one batch. Throwing means "not applied": the follower reports {@link FollowerState#RETRYING}
     * with the exception and hands over the same records again after a backoff, so applying must be
     * idempotent per record (it is for a compacted topic: a record replaces its key's value). A record
     * that is bad in itself should be skipped here, not thrown, or it is retried for ever.
     */
    void apply(Batch<K, V> batch);

    /**
     * Called once, when every partition reached the end offset captured at the start. Throwing retries
     * it after a backoff (records read meanwhile still come as bootstrapping batches).
     */
    default void caughtUp(FollowerStatus status) {}

    /**
     * Called after a poll that brought no record while following: the follower has applied everything the broker
     * had a moment ago. A handler that holds applied records back to publish them together publishes them here.
     * Also called, while following, right after {@link TopicFollower#nudge()}: after the batch the follower was
     * applying, if any, or after a poll that took only what had arrived. Exceptions are logged, and the next call
     * tries again.
     */
    default void drained() {}

    /** A record the deserializers could not read, skipped. */
    default void rejected(RejectedRecord record) {}

    /**
     * Called about every check interval whatever the state, also while retrying: for work that belongs
     * on the thread that owns the handler's state (retries, periodic sweeps). Exceptions are logged.
     */
    default void periodically(FollowerStatus status) {}
}
