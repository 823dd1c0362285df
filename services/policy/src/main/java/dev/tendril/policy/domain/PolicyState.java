package dev.tendril.policy.domain;

/** One policy's stream folded: {@link #ABSENT} (never applied, or deleted) or the policy as last applied. */
public sealed interface PolicyState permits PolicyState.Absent, StoredPolicy {

    Absent ABSENT = new Absent();

    /** No such policy. */
    record Absent() implements PolicyState {}
}
