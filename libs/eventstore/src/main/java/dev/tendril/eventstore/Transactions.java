package dev.tendril.eventstore;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;

/**
 * Runs work in one JDBC transaction: commit when it returns, roll back when it throws. After a commit
 * the registered listeners are told (the outbox relay wakes up instead of waiting for its next poll).
 */
public final class Transactions {

    private final DataSource dataSource;
    private final List<Runnable> afterCommit = new CopyOnWriteArrayList<>();

    public Transactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public void onCommit(Runnable listener) {
        afterCommit.add(listener);
    }

    public <T> T inTransaction(SqlFunction<T> work) {
        T result;
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                result = work.apply(connection);
                connection.commit();
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new EventStoreException("transaction failed: " + e.getMessage(), e);
        }
        afterCommit.forEach(Runnable::run);
        return result;
    }

    private static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }
}
