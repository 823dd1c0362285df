package dev.tendril.eventstore.quarkus;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.Transactions;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Beans for the service's default datasource: its transactions and its event store, which stamps each event's origin. */
@ApplicationScoped
public class EventStoreProducer {

    @Produces
    @Singleton
    Transactions transactions(AgroalDataSource dataSource) {
        return new Transactions(dataSource);
    }

    @Produces
    @Singleton
    EventStore eventStore(Transactions transactions, ChangeOrigins origins) {
        return new EventStore(transactions, origins);
    }
}
