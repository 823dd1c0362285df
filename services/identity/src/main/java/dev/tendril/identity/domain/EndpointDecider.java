package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.Decider;
import dev.tendril.identity.domain.EndpointCommand.DeregisterEndpoint;
import dev.tendril.identity.domain.EndpointCommand.MarkEndpointTerminating;
import dev.tendril.identity.domain.EndpointCommand.RegisterEndpoint;
import dev.tendril.identity.domain.EndpointEvent.EndpointDeregistered;
import dev.tendril.identity.domain.EndpointEvent.EndpointRegistered;
import dev.tendril.identity.domain.EndpointEvent.EndpointTerminating;
import dev.tendril.identity.domain.EndpointEvent.EndpointUpdated;
import java.util.List;
import java.util.Optional;

/**
 * One endpoint's lifecycle: registered, updated when anything changes (labels, identity, IPs), terminating when
 * it is deleted with a grace period, deregistered. A terminating incarnation stays terminating when it is
 * registered again (an agent's repeat, a namespace relabel); a new incarnation (another uid) is live.
 */
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
            case EndpointTerminating terminating -> Optional.of(terminating.endpoint());
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
                boolean stillTerminating = state.isPresent()
                        && state.get().terminating()
                        && state.get().spec().uid().equals(register.spec().uid());
                Endpoint endpoint = new Endpoint(register.spec(), register.identity(), stillTerminating);
                if (state.isEmpty()) {
                    yield List.of(new EndpointRegistered(endpoint));
                }
                yield state.get().equals(endpoint) ? List.of() : List.of(new EndpointUpdated(endpoint));
            }
            case MarkEndpointTerminating mark -> {
                Endpoint endpoint = registered(state, mark.namespace(), mark.pod(), mark.uid());
                yield endpoint.terminating() ? List.of() : List.of(new EndpointTerminating(endpoint.asTerminating()));
            }
            case DeregisterEndpoint deregister ->
                List.of(new EndpointDeregistered(
                        registered(state, deregister.namespace(), deregister.pod(), deregister.uid())));
        };
    }

    /** The endpoint the command names: 404 when none is registered, or another incarnation than {@code uid}. */
    private static Endpoint registered(Optional<Endpoint> state, String namespace, String pod, String uid) {
        if (state.isEmpty()) {
            throw CommandRejectedException.notFound("pod", "endpoint " + namespace + "/" + pod + " is not registered");
        }
        String registeredUid = state.get().spec().uid();
        if (!uid.isEmpty() && !uid.equals(registeredUid)) {
            throw CommandRejectedException.notFound(
                    "uid",
                    "endpoint " + namespace + "/" + pod + " is registered with uid " + registeredUid + ", not " + uid);
        }
        return state.get();
    }
}
