package dev.tendril.policy.app;

import dev.tendril.policy.domain.ApplyResult;
import dev.tendril.policy.domain.PolicyRef;
import java.util.List;

/** What a request's documents did: the policy revision after it, each document's result, the warnings. */
public record ApplyOutcome(long revision, List<Applied> policies, List<String> warnings) {

    /** One document: its policy, the revision the policy has now (0 for a new one in a dry run) and its result. */
    public record Applied(PolicyRef ref, long revision, ApplyResult result) {}
}
