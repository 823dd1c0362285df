package dev.tendril.identity.app;

import dev.tendril.k8s.labels.Labels;

/** An allocated identity as the read model holds it. */
public record IdentityRecord(long id, Labels labels, int endpoints) {}
