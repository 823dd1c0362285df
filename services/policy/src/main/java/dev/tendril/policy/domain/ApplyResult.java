package dev.tendril.policy.domain;

import java.util.List;

/** How one document of a request fared, as {@code kubectl apply} reports it. */
public enum ApplyResult {
    CREATED,
    CONFIGURED,
    UNCHANGED;

    /** The result of an apply that decided {@code events} on {@code before}. */
    public static ApplyResult of(PolicyState before, List<PolicyEvent> events) {
        if (events.isEmpty()) {
            return UNCHANGED;
        }
        return before instanceof StoredPolicy ? CONFIGURED : CREATED;
    }
}
