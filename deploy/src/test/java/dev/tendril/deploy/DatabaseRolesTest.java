package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's database (what {@link PostgresProcess} sets up): a password for every login, one role per service
 * owning its schema, and every attempt outside it refused with nothing changed.
 */
class DatabaseRolesTest {

    private static final String INSUFFICIENT_PRIVILEGE = "42501";
    private static final String INVALID_PASSWORD = "28P01";

    @TempDir
    static Path dir;

    private static PostgresServer server;
    private static StackSecrets secrets;

    @BeforeAll
    static void startSecuredDatabase() throws SQLException {
        secrets = new StackSecrets(dir.resolve("pki"));
        server = PostgresServer.startSecured(dir.resolve("postgres"), 0, secrets.password(StackSecrets.SUPERUSER));
        server.createDatabaseIfMissing(StackConfig.DATABASE);
        try (Connection superuser = server.dataSource(StackConfig.DATABASE).getConnection()) {
            DatabaseRoles.lockDown(superuser, StackConfig.DATABASE);
            for (String service : StackConfig.SERVICES) {
                DatabaseRoles.ensure(
                        superuser, StackConfig.DATABASE, service, secrets.password(StackSecrets.role(service)));
            }
        }
        try (Connection policy = login("policy");
                Statement sql = policy.createStatement()) {
            sql.execute("CREATE TABLE policy.rules (name text PRIMARY KEY, body text)");
            sql.execute("INSERT INTO policy.rules VALUES ('allow-dns', 'allow port 53')");
        }
    }

    @AfterAll
    static void stopDatabase() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aServiceRoleOwnsItsSchema() throws SQLException {
        try (Connection identity = login("identity");
                Statement sql = identity.createStatement()) {
            sql.execute("CREATE TABLE identity.allocations (id bigint PRIMARY KEY)");
            sql.execute("INSERT INTO identity.allocations VALUES (256)");
            try (ResultSet rows = sql.executeQuery("SELECT count(*) FROM identity.allocations")) {
                rows.next();
                assertThat(rows.getLong(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void theIdentityRoleCannotReadOrWriteThePolicySchemaAndTheRulesAreUnchanged() throws SQLException {
        try (Connection identity = login("identity")) {
            for (String statement : new String[] {
                "SELECT * FROM policy.rules",
                "INSERT INTO policy.rules VALUES ('allow-all', 'allow everything')",
                "UPDATE policy.rules SET body = 'allow everything'",
                "DELETE FROM policy.rules",
                "CREATE TABLE policy.shadow (name text)",
                "CREATE TABLE public.shared (name text)",
                "CREATE SCHEMA elsewhere",
                "CREATE TEMPORARY TABLE scratch (name text)"
            }) {
                assertThatThrownBy(() -> {
                            try (Statement sql = identity.createStatement()) {
                                sql.execute(statement);
                            }
                        })
                        .as(statement)
                        .isInstanceOf(SQLException.class)
                        .extracting(e -> ((SQLException) e).getSQLState())
                        .isEqualTo(INSUFFICIENT_PRIVILEGE);
            }
        }
        try (Connection superuser = server.dataSource(StackConfig.DATABASE).getConnection();
                Statement sql = superuser.createStatement();
                ResultSet rows = sql.executeQuery("SELECT name, body FROM policy.rules")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1) + ": " + rows.getString(2)).isEqualTo("allow-dns: allow port 53");
            assertThat(rows.next()).isFalse();
        }
    }

    @Test
    void aWrongOrMissingPasswordIsRefused() {
        for (String user : new String[] {StackSecrets.role("identity"), StackSecrets.SUPERUSER}) {
            for (String password : new String[] {"postgres", ""}) {
                assertThatThrownBy(
                                () -> DriverManager.getConnection(server.jdbcUrl(StackConfig.DATABASE), user, password)
                                        .close())
                        .as(user + " with '" + password + "'")
                        .isInstanceOf(SQLException.class)
                        .extracting(e -> ((SQLException) e).getSQLState())
                        .isIn(INVALID_PASSWORD, "08004");
            }
        }
    }

    @Test
    void listensOnLoopbackOnly() throws SQLException {
        try (Connection superuser = server.dataSource(StackConfig.DATABASE).getConnection();
                Statement sql = superuser.createStatement();
                ResultSet rows = sql.executeQuery("SHOW listen_addresses")) {
            rows.next();
            assertThat(rows.getString(1)).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void passwordsAndLoginsAreInFilesOnlyTheOwnerCanRead() throws Exception {
        secrets.writeDatasourceProperties("identity", secrets.password(StackSecrets.role("identity")));

        for (Path file : new Path[] {
            secrets.passwordFile(StackSecrets.SUPERUSER),
            secrets.passwordFile(StackSecrets.role("identity")),
            secrets.datasourceProperties("identity")
        }) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .as(file.toString())
                    .isEqualTo("rw-------");
        }
        assertThat(Files.readString(secrets.datasourceProperties("identity")))
                .contains("quarkus.datasource.username=tendril_identity")
                .contains("quarkus.datasource.password=" + secrets.password(StackSecrets.role("identity")));
    }

    private static Connection login(String service) throws SQLException {
        return DriverManager.getConnection(
                server.jdbcUrl(StackConfig.DATABASE),
                StackSecrets.role(service),
                secrets.password(StackSecrets.role(service)));
    }
}
