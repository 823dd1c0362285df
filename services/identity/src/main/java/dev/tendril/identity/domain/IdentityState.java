package dev.tendril.identity.domain;

import dev.tendril.k8s.labels.Labels;

/** One id's state: free (never allocated or released) or allocated to a label set. */
public record IdentityState(long id, Labels labels, boolean allocated) {

    public static final IdentityState FREE = new IdentityState(0, Labels.EMPTY, false);
}
