package dev.tendril.identity.app;

import dev.tendril.eventstore.ChangeOrigin;

/**
 * Port: the service's database. A command's work runs in one transaction: all it wrote commits when it
 * returns, nothing when it throws.
 */
public interface IdentityStorage {

    /** The work of one transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(StorageTransaction tx);
    }

    /**
     * Who events appended now by this thread are caused by: taken by work handed to another thread (a
     * group commit) in the caller's thread, so that each caller's events record it.
     */
    ChangeOrigin origin();

    /** Runs {@code work} once in a new transaction; see {@link Retrying} for running it again. */
    <T> T inTransaction(Work<T> work);

    /**
     * Whether {@code failure} means a concurrent transaction won a lock (a deadlock between two commands
     * locking rows in opposite order, or a serialization failure): the work may simply run again.
     * Stream version conflicts are {@link dev.tendril.eventstore.ConcurrencyException}s, retried anyway.
     */
    boolean lostToConcurrentTransaction(RuntimeException failure);
}
