package dev.tendril.identity.domain;

/** Events of a namespace's stream. */
public sealed interface NamespaceEvent {

    record NamespaceUpserted(Namespace namespace) implements NamespaceEvent {
    }

    record NamespaceDeleted(String name) implements NamespaceEvent {
    }
}
