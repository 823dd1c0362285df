package dev.tendril.identity.adapters;

import dev.tendril.eventstore.EventStore;
import dev.tendril.identity.adapters.persistence.PostgresStorage;
import dev.tendril.identity.adapters.persistence.StateRebuilder;
import dev.tendril.identity.app.EndpointRegistry;
import dev.tendril.identity.app.IdentityAllocator;
import dev.tendril.identity.domain.ClusterConfig;
import dev.tendril.identity.domain.LabelFilter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;

/** The application objects of the service, built once from validated configuration, on their PostgreSQL ports. */
@ApplicationScoped
public class IdentityBeans {

    @Produces
    @Singleton
    ClusterConfig cluster(IdentityServiceConfig config) {
        return new ClusterConfig(config.clusterName(), config.clusterId(), config.maxConnectedClusters());
    }

    @Produces
    @Singleton
    LabelFilter labelFilter(IdentityServiceConfig config) {
        return LabelFilter.withExtras(config.labelFilter().extra().orElse(List.of()));
    }

    @Produces
    @Singleton
    PostgresStorage storage(EventStore store) {
        return new PostgresStorage(store);
    }

    @Produces
    @Singleton
    IdentityAllocator allocator(PostgresStorage storage, ClusterConfig cluster) {
        return new IdentityAllocator(storage, cluster.range(), cluster.name());
    }

    void closeAllocator(@Disposes IdentityAllocator allocator) {
        allocator.close();
    }

    @Produces
    @Singleton
    EndpointRegistry registry(
            PostgresStorage storage, IdentityAllocator allocator, LabelFilter filter, ClusterConfig cluster) {
        return new EndpointRegistry(storage, storage.removals(), allocator, filter, cluster.name());
    }

    @Produces
    @Singleton
    StateRebuilder rebuilder(EventStore store) {
        return new StateRebuilder(store);
    }
}
