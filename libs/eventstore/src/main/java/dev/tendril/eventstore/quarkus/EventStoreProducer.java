package dev.tendril.eventstore.quarkus;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.Transactions;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Beans for the service's default datasource: its transactions and its event store. */
@ApplicationScoped
public class EventStoreProducer {

    @Produces
    @Singleton
    Transactions transactions(AgroalDataSource dataSource) {
        return new Transactions(dataSource);
    }

    @Produces
    @Singleton
    EventStore eventStore(Transactions transactions) {
        return new EventStore(transactions);
    }
}
