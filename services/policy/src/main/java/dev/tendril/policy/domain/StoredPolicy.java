package dev.tendril.policy.domain;

/** A policy as last applied: its manifest and the policy revision that applied it. */
public record StoredPolicy(PolicyRef ref, Manifest manifest, long revision) implements PolicyState {}
