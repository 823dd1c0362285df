package dev.tendril.eventstore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Several SQL statements sent as one prepared statement, so the PostgreSQL driver ships them in one
 * round trip (it splits the text at semicolons and sends every part before waiting); they still run
 * one after another, each seeing what the ones before it changed. On a machine where each round trip
 * costs a context switch each way between the JVM and a PostgreSQL backend, a group commit's writes
 * take one round trip instead of five.
 */
public final class OneRoundTrip {

    /** Binds a part's parameters from {@code first} on; returns the index after its last one. */
    public interface Binder {
        int bind(PreparedStatement statement, int first) throws SQLException;
    }

    /** Checks a part's outcome: its rows if it returns any (else null) and its update count. */
    public interface Check {
        void check(ResultSet rows, long updateCount) throws SQLException;
    }

    /** One statement of the round trip. */
    public record Part(String sql, Binder binder, Check check) {}

    private OneRoundTrip() {}

    public static void run(Connection tx, List<Part> parts) throws SQLException {
        if (parts.isEmpty()) {
            return;
        }
        String sql = String.join(";\n", parts.stream().map(Part::sql).toList());
        try (PreparedStatement statement = tx.prepareStatement(sql)) {
            int next = 1;
            for (Part part : parts) {
                next = part.binder().bind(statement, next);
            }
            boolean rows = statement.execute();
            for (Part part : parts) {
                if (rows) {
                    try (ResultSet result = statement.getResultSet()) {
                        part.check().check(result, -1);
                    }
                } else {
                    part.check().check(null, statement.getLargeUpdateCount());
                }
                rows = statement.getMoreResults();
            }
        }
    }
}
