package dev.tendril.policy.domain;

/** One document of a request: the manifest as sent (what is stored) and the policy it describes. */
public record PolicyDocument(Manifest manifest, Policy policy) {}
