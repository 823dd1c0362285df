package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.ReadModelProjector;
import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.EndpointEvent;
import dev.tendril.identity.domain.EndpointSpec;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;

/**
 * The read-model side of a removal, in its transaction. A terminating endpoint's row says so (it keeps its
 * identity use and IPs); a deregistration takes one use from the endpoint's identity (the last starts its grace
 * period), frees its IPs and deletes its row. Registrations do more than their event says (they allocate and
 * claim), so {@code EndpointRegistry} writes theirs itself.
 */
final class EndpointRemovals implements ReadModelProjector<Optional<Endpoint>, EndpointEvent> {

    @Override
    public void project(Connection tx, String streamId, Optional<Endpoint> newState, List<EndpointEvent> events) {
        for (EndpointEvent event : events) {
            switch (event) {
                case EndpointEvent.EndpointTerminating terminating ->
                    new EndpointTables(tx).putEndpoint(terminating.endpoint());
                case EndpointEvent.EndpointDeregistered deregistered -> {
                    EndpointSpec spec = deregistered.endpoint().spec();
                    new IdentityTable(tx).releaseUse(deregistered.endpoint().identity());
                    new EndpointTables(tx).deleteEndpoint(spec.namespace(), spec.pod());
                }
                default ->
                    throw new IllegalArgumentException(
                            event.getClass().getSimpleName() + " of " + streamId + " is not a removal");
            }
        }
    }
}
