package dev.tendril.identity.domain;

/** Events of an endpoint's stream; each carries the whole endpoint so consumers need no history. */
public sealed interface EndpointEvent {

    /** The schema version of these events' payloads, stored with each event; raised by an incompatible change. */
    int SCHEMA_VERSION = 1;

    Endpoint endpoint();

    record EndpointRegistered(Endpoint endpoint) implements EndpointEvent {}

    record EndpointUpdated(Endpoint endpoint) implements EndpointEvent {}

    /** The pod is being deleted with a grace period; {@code endpoint} is the endpoint, now terminating. */
    record EndpointTerminating(Endpoint endpoint) implements EndpointEvent {}

    /** {@code endpoint} is the endpoint as it was last. */
    record EndpointDeregistered(Endpoint endpoint) implements EndpointEvent {}
}
