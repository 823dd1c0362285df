package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.Decider;
import dev.tendril.identity.domain.EndpointCommand.DeregisterEndpoint;
import dev.tendril.identity.domain.EndpointCommand.RegisterEndpoint;
import dev.tendril.identity.domain.EndpointEvent.EndpointDeregistered;
import dev.tendril.identity.domain.EndpointEvent.EndpointRegistered;
import dev.tendril.identity.domain.EndpointEvent.EndpointUpdated;
import java.util.List;
import java.util.Optional;

/** One endpoint's lifecycle: registered, updated when anything changes (labels, identity, IPs), deregistered. */
public final class EndpointDecider implements Decider<EndpointCommand, Optional<Endpoint>, EndpointEvent> {

    @Override
    public Optional<Endpoint> initialState() {
        return Optional.empty();
    }

    @Override
    public Optional<Endpoint> evolve(Optional<Endpoint> state, EndpointEvent event) {
        return switch (event) {
            case EndpointRegistered registered -> Optional.of(registered.endpoint());
            case EndpointUpdated updated -> Optional.of(updated.endpoint());
            case EndpointDeregistered deregistered -> Optional.empty();
        };
    }

    @Override
    public List<EndpointEvent> decide(EndpointCommand command, Optional<Endpoint> state) {
        return switch (command) {
            case RegisterEndpoint register -> {
                if (register.identity() <= ReservedIdentity.UNKNOWN) {
                    throw CommandRejectedException.invalid("identity", "an endpoint needs a resolved identity");
                }
                Endpoint endpoint = new Endpoint(register.spec(), register.identity());
                if (state.isEmpty()) {
                    yield List.of(new EndpointRegistered(endpoint));
                }
                yield state.get().equals(endpoint) ? List.of() : List.of(new EndpointUpdated(endpoint));
            }
            case DeregisterEndpoint deregister -> {
                if (state.isEmpty()) {
                    throw CommandRejectedException.notFound(
                            "pod",
                            "endpoint " + deregister.namespace() + "/" + deregister.pod() + " is not registered");
                }
                String registeredUid = state.get().spec().uid();
                if (!deregister.uid().isEmpty() && !deregister.uid().equals(registeredUid)) {
                    throw CommandRejectedException.notFound(
                            "uid",
                            "endpoint " + deregister.namespace() + "/" + deregister.pod() + " is registered with uid "
                                    + registeredUid + ", not " + deregister.uid());
                }
                yield List.of(new EndpointDeregistered(state.get()));
            }
        };
    }
}
