package dev.tendril.identity.domain;

import dev.tendril.k8s.labels.Labels;

/** Commands of one numeric identity's stream ({@code identity/<id>}). */
public sealed interface IdentityCommand {

    /** Gives the free id {@code id} to a label set (the allocator picked the id and holds it). */
    record AllocateIdentity(long id, Labels labels) implements IdentityCommand {}

    /** Frees the id: the garbage collector found it unused for the grace period. */
    record ReleaseIdentity(long id) implements IdentityCommand {}
}
