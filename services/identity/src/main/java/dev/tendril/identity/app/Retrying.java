package dev.tendril.identity.app;

import dev.tendril.eventstore.ConcurrencyException;
import java.util.function.Supplier;

/**
 * Runs a command's transaction again when a concurrent one won: a stream version conflict, a deadlock
 * between two commands locking identities in opposite order, or a serialization failure. Each attempt
 * decides on fresh state, so retrying never duplicates anything.
 */
final class Retrying {

    private static final int MAX_ATTEMPTS = 30;

    private Retrying() {}

    static <T> T inTransaction(IdentityStorage storage, IdentityStorage.Work<T> work) {
        return run(storage, () -> storage.inTransaction(work));
    }

    /** {@code attempt} runs one transaction of {@code storage} (its own, or a {@code CommandHandler}'s). */
    static <T> T run(IdentityStorage storage, Supplier<T> attempt) {
        RuntimeException last = null;
        for (int i = 1; i <= MAX_ATTEMPTS; i++) {
            try {
                return attempt.get();
            } catch (ConcurrencyException conflict) {
                last = conflict;
            } catch (RuntimeException failure) {
                if (!storage.lostToConcurrentTransaction(failure)) {
                    throw failure;
                }
                last = failure;
            }
            Thread.onSpinWait();
        }
        throw last;
    }
}
