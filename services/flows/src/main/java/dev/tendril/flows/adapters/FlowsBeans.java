package dev.tendril.flows.adapters;

import dev.tendril.flows.domain.FlowStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The service's single {@link FlowStore}; a bad ring capacity fails the start. */
@ApplicationScoped
public class FlowsBeans {

    @Produces
    @Singleton
    FlowStore store(FlowsConfig config) {
        return new FlowStore(config.ringCapacity());
    }
}
