package dev.tendril.identity.domain;

import dev.tendril.k8s.labels.Labels;

/** Events of one numeric identity's stream; an id may be allocated again after its release. */
public sealed interface IdentityEvent {

    /** The schema version of these events' payloads, stored with each event; raised by an incompatible change. */
    int SCHEMA_VERSION = 1;

    long id();

    record IdentityAllocated(long id, Labels labels) implements IdentityEvent {}

    record IdentityReleased(long id, Labels labels) implements IdentityEvent {}
}
