package dev.tendril.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresServerTest {

    @TempDir
    Path dataDir;

    @Test
    void keepsRowsAcrossRestartOnTheSamePersistentDataDir() throws Exception {
        var first = PostgresServer.start(dataDir, 0);
        try {
            first.createDatabaseIfMissing("ledger");
            execute(first.dataSource("ledger"), "CREATE TABLE entries (id INT PRIMARY KEY, note TEXT)");
            execute(first.dataSource("ledger"), "INSERT INTO entries VALUES (1, 'survives restarts')");
        } finally {
            first.stop();
        }

        try (var second = PostgresServer.start(dataDir, 0)) {
            try (var connection = second.dataSource("ledger").getConnection();
                    var rows = connection.createStatement().executeQuery("SELECT note FROM entries WHERE id = 1")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString("note")).isEqualTo("survives restarts");
            }
        }
    }

    @Test
    void acceptsJdbcConnectionsWithItsUrlAndCredentials() throws Exception {
        try (var server = PostgresServer.start(null, 0)) {
            server.createDatabaseIfMissing("orders");
            server.createDatabaseIfMissing("orders");

            assertThat(server.jdbcUrl("orders")).isEqualTo("jdbc:postgresql://127.0.0.1:" + server.port() + "/orders");
            try (var connection = DriverManager.getConnection(
                            server.jdbcUrl("orders"), server.username(), server.password());
                    var rows = connection.createStatement().executeQuery("SELECT current_database(), version()")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("orders");
                assertThat(rows.getString(2)).startsWith("PostgreSQL");
            }
        }
    }

    @Test
    void listensOnTheRequestedPort() throws Exception {
        int port = FreePorts.pick();
        try (var server = PostgresServer.start(null, port)) {
            assertThat(server.port()).isEqualTo(port);
            execute(server.dataSource("postgres"), "SELECT 1");
        }
    }

    private static void execute(DataSource dataSource, String sql) throws SQLException {
        try (var connection = dataSource.getConnection();
                var statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
