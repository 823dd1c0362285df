package dev.tendril.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points a Quarkus test application's JDBC and reactive datasources at database {@value #DATABASE}
 * on the JVM's shared PostgreSQL server, creating the database if needed.
 */
public final class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String DATABASE = "tendril";

    @Override
    public Map<String, String> start() {
        var postgres = SharedInfrastructure.postgres();
        postgres.createDatabaseIfMissing(DATABASE);
        String jdbcUrl = postgres.jdbcUrl(DATABASE);
        return Map.of(
                "quarkus.datasource.jdbc.url",
                jdbcUrl,
                // The same host and port in the reactive client's form, wherever the server runs (a container's
                // host is the Docker host's address).
                "quarkus.datasource.reactive.url",
                "vertx-reactive:" + jdbcUrl.substring("jdbc:".length()),
                "quarkus.datasource.username",
                postgres.username(),
                "quarkus.datasource.password",
                postgres.password());
    }

    @Override
    public void stop() {
        // The server is shared with the test classes still to come; a JVM shutdown hook stops it.
    }
}
