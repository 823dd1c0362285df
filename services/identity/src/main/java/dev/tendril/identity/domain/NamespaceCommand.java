package dev.tendril.identity.domain;

/** Commands of a namespace's stream ({@code namespace/<name>}). */
public sealed interface NamespaceCommand {

    record UpsertNamespace(Namespace namespace) implements NamespaceCommand {}

    /** {@code endpoints}: how many endpoints the namespace still holds; deleting it then is refused. */
    record DeleteNamespace(String name, long endpoints) implements NamespaceCommand {}
}
