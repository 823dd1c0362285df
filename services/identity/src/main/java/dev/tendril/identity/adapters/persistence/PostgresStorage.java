package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.ChangeOrigin;
import dev.tendril.eventstore.CommandHandler;
import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.EventStoreException;
import dev.tendril.identity.app.EndpointRows;
import dev.tendril.identity.app.EventStreams;
import dev.tendril.identity.app.IdentityRows;
import dev.tendril.identity.app.IdentityStorage;
import dev.tendril.identity.app.StorageTransaction;
import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.EndpointCommand;
import dev.tendril.identity.domain.EndpointDecider;
import dev.tendril.identity.domain.EndpointEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;

/** The application's storage port on PostgreSQL: the event store's tables and the read model in one transaction. */
public final class PostgresStorage implements IdentityStorage {

    /** deadlock_detected, serialization_failure. */
    private static final Set<String> RETRYABLE_STATES = Set.of("40P01", "40001");

    private final EventStore store;

    public PostgresStorage(EventStore store) {
        this.store = store;
    }

    @Override
    public <T> T inTransaction(Work<T> work) {
        return store.transactions().inTransaction(connection -> work.run(new Transaction(store, connection)));
    }

    @Override
    public ChangeOrigin origin() {
        return store.origin();
    }

    @Override
    public boolean lostToConcurrentTransaction(RuntimeException failure) {
        return failure instanceof EventStoreException
                && failure.getCause() instanceof SQLException sql
                // A failure without a state (a broken connection, a pool timeout) is not a lost race; Set.of's
                // contains(null) would throw and hide it.
                && sql.getSQLState() != null
                && RETRYABLE_STATES.contains(sql.getSQLState());
    }

    /**
     * Removals (marking terminating, deregistering) as libs/eventstore runs single-stream commands, with their
     * read-model changes; one attempt each, since {@code EndpointRegistry} retries them as it retries its other
     * commands.
     */
    public CommandHandler<EndpointCommand, Optional<Endpoint>, EndpointEvent> removals() {
        return new CommandHandler<>(store, new EndpointDecider(), Codecs.ENDPOINT, new EndpointRemovals(), 1);
    }

    private record Transaction(EventStreams events, IdentityRows identities, EndpointRows endpoints)
            implements StorageTransaction {

        Transaction(EventStore store, Connection connection) {
            this(new StoredStreams(store, connection), new IdentityTable(connection), new EndpointTables(connection));
        }
    }
}
