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
        return Map.of(
                "quarkus.datasource.jdbc.url", postgres.jdbcUrl(DATABASE),
                "quarkus.datasource.reactive.url",
                        "vertx-reactive:postgresql://127.0.0.1:" + postgres.port() + "/" + DATABASE,
                "quarkus.datasource.username", postgres.username(),
                "quarkus.datasource.password", postgres.password());
    }

    @Override
    public void stop() {
        // The server is shared with the test classes still to come; a JVM shutdown hook stops it.
    }
}
