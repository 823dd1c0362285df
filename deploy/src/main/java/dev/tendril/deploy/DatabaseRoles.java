package dev.tendril.deploy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;

/**
 * One PostgreSQL login role per service, {@code tendril_<service>}, owning the service's schema (which Flyway then
 * fills as that role) and allowed nothing else: no other schema, no {@code public} schema, no temporary tables, no
 * new schemas or databases. The launcher creates the schemas rather than granting CREATE on the database, so that a
 * service cannot make a schema another service would then find.
 */
final class DatabaseRoles {

    private DatabaseRoles() {}

    /** Takes from PUBLIC (every role) what PostgreSQL grants it by default on the stack's database. */
    static void lockDown(Connection superuser, String database) throws SQLException {
        try (Statement sql = superuser.createStatement()) {
            sql.execute("REVOKE ALL ON DATABASE " + quote(database) + " FROM PUBLIC");
            sql.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC");
        }
    }

    /**
     * Creates the service's role unless it exists, sets its password (hashed for SCRAM by the driver, so the
     * password itself never reaches the server or its log) and gives it its schema and CONNECT to {@code database}.
     */
    static void ensure(Connection superuser, String database, String service, String password) throws SQLException {
        String role = StackSecrets.role(service);
        if (!exists(superuser, role)) {
            try (Statement sql = superuser.createStatement()) {
                sql.execute("CREATE ROLE " + quote(role) + " LOGIN");
            }
        }
        try (Statement sql = superuser.createStatement()) {
            sql.execute("ALTER ROLE " + quote(role) + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION");
        }
        superuser.unwrap(PGConnection.class).alterUserPassword(role, password.toCharArray(), "scram-sha-256");
        try (Statement sql = superuser.createStatement()) {
            sql.execute("GRANT CONNECT ON DATABASE " + quote(database) + " TO " + quote(role));
            sql.execute("CREATE SCHEMA IF NOT EXISTS " + quote(service) + " AUTHORIZATION " + quote(role));
            sql.execute("REVOKE ALL ON SCHEMA " + quote(service) + " FROM PUBLIC");
        }
    }

    /**
     * Whether the schema exists and belongs to another role than the service's: a database made by a launcher
     * before roles existed, whose tables the service's role could not use.
     */
    static boolean ownedByAnother(Connection superuser, String service) throws SQLException {
        try (PreparedStatement query =
                superuser.prepareStatement("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = ?")) {
            query.setString(1, service);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() && !rows.getString(1).equals(StackSecrets.role(service));
            }
        }
    }

    private static boolean exists(Connection superuser, String role) throws SQLException {
        try (PreparedStatement query = superuser.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            query.setString(1, role);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
