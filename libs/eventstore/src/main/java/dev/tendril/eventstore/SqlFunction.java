package dev.tendril.eventstore;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done inside one database transaction. */
@FunctionalInterface
public interface SqlFunction<T> {

    T apply(Connection connection) throws SQLException;
}
