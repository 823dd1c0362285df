package dev.tendril.identity.domain;

/** Events of a namespace's stream. */
public sealed interface NamespaceEvent {

    /** The schema version of these events' payloads, stored with each event; raised by an incompatible change. */
    int SCHEMA_VERSION = 1;

    record NamespaceUpserted(Namespace namespace) implements NamespaceEvent {}

    record NamespaceDeleted(String name) implements NamespaceEvent {}
}
