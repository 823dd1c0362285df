package dev.tendril.eventstore;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Creates or upgrades the event-store tables in a schema, for code that runs without Quarkus (tools,
 * benchmarks, tests). Quarkus services get the same migrations through quarkus-flyway
 * ({@code quarkus.flyway.locations=db/eventstore,...}).
 */
public final class EventStoreSchema {

    public static final String LOCATION = "classpath:db/eventstore";

    private EventStoreSchema() {}

    public static void migrate(DataSource dataSource, String schema) {
        Flyway.configure()
                .dataSource(dataSource)
                .schemas(schema)
                .locations(LOCATION)
                .load()
                .migrate();
    }
}
