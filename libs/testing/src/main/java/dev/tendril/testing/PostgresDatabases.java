package dev.tendril.testing;

import java.sql.SQLException;
import javax.sql.DataSource;

/** Creating a database on a running PostgreSQL, the same way whether it runs embedded or in a container. */
final class PostgresDatabases {

    private static final String DUPLICATE_DATABASE = "42P04";

    private PostgresDatabases() {}

    /**
     * Creates database {@code name} through {@code maintenance} (a superuser's connection to an existing database)
     * unless it exists.
     *
     * @param describedAs where the database would live, for the failure message
     */
    static void createIfMissing(DataSource maintenance, String name, String describedAs) {
        try (var connection = maintenance.getConnection()) {
            try (var exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, name);
                try (var rows = exists.executeQuery()) {
                    if (rows.next()) {
                        return;
                    }
                }
            }
            try (var create = connection.createStatement()) {
                create.execute("CREATE DATABASE " + quoteIdentifier(name));
            }
        } catch (SQLException e) {
            // Another JVM sharing this persistent server may have created it between check and create.
            if (!DUPLICATE_DATABASE.equals(e.getSQLState())) {
                throw new IllegalStateException("Cannot create database " + name + " on " + describedAs, e);
            }
        }
    }

    private static String quoteIdentifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
