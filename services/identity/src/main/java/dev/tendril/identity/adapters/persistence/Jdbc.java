package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.EventStoreException;
import java.sql.SQLException;

/**
 * The JDBC calls of the port implementations. The ports are plain Java, so a failed statement leaves
 * them as the failure libs/eventstore's {@code Transactions} reports for one (which rolls back).
 */
final class Jdbc {

    @FunctionalInterface
    interface Call<T> {
        T run() throws SQLException;
    }

    private Jdbc() {}

    static <T> T call(Call<T> call) {
        try {
            return call.run();
        } catch (SQLException e) {
            throw new EventStoreException("transaction failed: " + e.getMessage(), e);
        }
    }
}
