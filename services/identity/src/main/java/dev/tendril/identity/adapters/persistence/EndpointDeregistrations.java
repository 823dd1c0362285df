package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.ReadModelProjector;
import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.EndpointEvent;
import dev.tendril.identity.domain.EndpointSpec;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;

/**
 * The read-model side of a deregistration, in its transaction: the endpoint's identity has one use
 * fewer (the last starts its grace period), its IPs are free and its row is gone. Registrations do
 * more than their event says (they allocate and claim), so {@code EndpointRegistry} writes theirs itself.
 */
final class EndpointDeregistrations implements ReadModelProjector<Optional<Endpoint>, EndpointEvent> {

    @Override
    public void project(Connection tx, String streamId, Optional<Endpoint> newState, List<EndpointEvent> events) {
        for (EndpointEvent event : events) {
            if (!(event instanceof EndpointEvent.EndpointDeregistered deregistered)) {
                throw new IllegalArgumentException(
                        event.getClass().getSimpleName() + " of " + streamId + " is not a deregistration");
            }
            EndpointSpec spec = deregistered.endpoint().spec();
            new IdentityTable(tx).releaseUse(deregistered.endpoint().identity());
            new EndpointTables(tx).deleteEndpoint(spec.namespace(), spec.pod());
        }
    }
}
