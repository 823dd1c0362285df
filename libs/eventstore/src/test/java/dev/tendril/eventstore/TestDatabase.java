package dev.tendril.eventstore;

import dev.tendril.testing.PostgresServer;
import dev.tendril.testing.SharedInfrastructure;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** A fresh, migrated event-store schema on the shared real PostgreSQL, one per test. */
final class TestDatabase {

    static final String DATABASE = "eventstore_tests";

    private TestDatabase() {}

    static DataSource freshSchema() {
        PostgresServer postgres = SharedInfrastructure.postgres();
        postgres.createDatabaseIfMissing(DATABASE);
        String schema = "es_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(postgres.jdbcUrl(DATABASE));
        dataSource.setUser(postgres.username());
        dataSource.setPassword(postgres.password());
        dataSource.setCurrentSchema(schema);
        EventStoreSchema.migrate(dataSource, schema);
        return dataSource;
    }
}
