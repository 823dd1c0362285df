package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.ConcurrencyException;
import dev.tendril.eventstore.EventStoreException;
import dev.tendril.eventstore.SqlFunction;
import dev.tendril.eventstore.Transactions;
import java.sql.SQLException;
import java.util.Set;

/**
 * Runs a command's transaction again when a concurrent one won: a stream version conflict, a deadlock
 * between two commands locking identities in opposite order, or a serialization failure. Each attempt
 * decides on fresh state, so retrying never duplicates anything.
 */
final class Retrying {

    private static final int MAX_ATTEMPTS = 30;
    private static final Set<String> RETRYABLE_STATES = Set.of("40P01", "40001");

    private Retrying() {
    }

    static <T> T inTransaction(Transactions transactions, SqlFunction<T> work) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            try {
                return transactions.inTransaction(work);
            } catch (ConcurrencyException conflict) {
                last = conflict;
            } catch (EventStoreException failure) {
                if (!(failure.getCause() instanceof SQLException sql) || !RETRYABLE_STATES.contains(sql.getSQLState())) {
                    throw failure;
                }
                last = failure;
            }
            Thread.onSpinWait();
        }
        throw last;
    }
}
