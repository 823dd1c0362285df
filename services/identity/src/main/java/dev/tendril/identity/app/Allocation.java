package dev.tendril.identity.app;

import dev.tendril.k8s.labels.Labels;

/** The answer of allocate-or-reuse: the id, its labels, and whether this call allocated it. */
public record Allocation(long id, Labels labels, boolean created) {}
