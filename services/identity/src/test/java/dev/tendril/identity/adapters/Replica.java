package dev.tendril.identity.adapters;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.Transactions;
import dev.tendril.identity.adapters.persistence.PostgresStorage;
import dev.tendril.identity.app.EndpointRegistry;
import dev.tendril.identity.app.IdentityAllocator;
import dev.tendril.identity.domain.ClusterConfig;
import dev.tendril.identity.domain.IdRange;
import dev.tendril.identity.domain.LabelFilter;
import dev.tendril.testing.PostgresServer;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import java.sql.SQLException;

/**
 * One more instance of the identity service's application layer with its own connection pool on the
 * same database schema: what a second replica is, seen from PostgreSQL.
 */
public final class Replica implements AutoCloseable {

    public final AgroalDataSource dataSource;
    public final EventStore store;
    public final PostgresStorage storage;
    public final IdentityAllocator allocator;
    public final EndpointRegistry registry;

    public Replica(PostgresServer postgres, String database, IdRange range, int poolSize) {
        this.dataSource = pool(postgres, database, poolSize);
        this.store = new EventStore(new Transactions(dataSource));
        this.storage = new PostgresStorage(store);
        this.allocator = new IdentityAllocator(storage, range, "default");
        this.registry = new EndpointRegistry(storage, storage.removals(), allocator, LabelFilter.defaults(), "default");
    }

    public Replica(PostgresServer postgres, String database) {
        this(postgres, database, ClusterConfig.of("default", 0).range(), 16);
    }

    public static AgroalDataSource pool(PostgresServer postgres, String database, int size) {
        return pool(postgres.jdbcUrl(database), postgres.username(), postgres.password(), size);
    }

    public static AgroalDataSource pool(String jdbcUrl, String username, String password, int size) {
        try {
            return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                    .connectionPoolConfiguration(pool -> pool.maxSize(size)
                            .connectionFactoryConfiguration(factory -> factory.jdbcUrl(jdbcUrl)
                                    .principal(new NamePrincipal(username))
                                    .credential(new SimplePassword(password))
                                    .jdbcProperty("currentSchema", "identity"))));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a pool", e);
        }
    }

    @Override
    public void close() {
        allocator.close();
        dataSource.close();
    }
}
