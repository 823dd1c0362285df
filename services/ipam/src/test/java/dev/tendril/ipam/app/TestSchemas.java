package dev.tendril.ipam.app;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.Transactions;
import dev.tendril.testing.PostgresServer;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SharedInfrastructure;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalPropertiesReader;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;

/**
 * A fresh IPAM schema (event store + read model, migrated by Flyway) on the JVM's shared PostgreSQL,
 * and independent connection pools to it: one pool per simulated service replica.
 */
public final class TestSchemas {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final PostgresServer postgres = SharedInfrastructure.postgres();
    private final String schema;

    public TestSchemas(String prefix) {
        postgres.createDatabaseIfMissing(PostgresTestResource.DATABASE);
        this.schema = prefix + "_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        Flyway.configure()
                .dataSource(postgres.jdbcUrl(PostgresTestResource.DATABASE), postgres.username(), postgres.password())
                .schemas(schema)
                .locations("classpath:db/eventstore", "classpath:db/ipam")
                .load()
                .migrate();
    }

    public String schema() {
        return schema;
    }

    /** A new connection pool to the schema: what one service replica has. */
    public AgroalDataSource pool(int maxSize) {
        try {
            return AgroalDataSource.from(new AgroalPropertiesReader()
                    .readProperties(Map.of(
                            AgroalPropertiesReader.JDBC_URL,
                            postgres.jdbcUrl(PostgresTestResource.DATABASE) + "?currentSchema=" + schema,
                            AgroalPropertiesReader.PRINCIPAL,
                            postgres.username(),
                            AgroalPropertiesReader.CREDENTIAL,
                            postgres.password(),
                            AgroalPropertiesReader.MIN_SIZE,
                            "0",
                            AgroalPropertiesReader.INITIAL_SIZE,
                            "0",
                            AgroalPropertiesReader.MAX_SIZE,
                            Integer.toString(maxSize)))
                    .get());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static EventStore store(AgroalDataSource pool) {
        return new EventStore(new Transactions(pool));
    }
}
