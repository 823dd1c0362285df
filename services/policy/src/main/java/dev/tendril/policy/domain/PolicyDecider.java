package dev.tendril.policy.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.Decider;
import dev.tendril.policy.domain.PolicyCommand.ApplyPolicy;
import dev.tendril.policy.domain.PolicyCommand.DeletePolicy;
import dev.tendril.policy.domain.PolicyEvent.PolicyApplied;
import dev.tendril.policy.domain.PolicyEvent.PolicyDeleted;
import java.util.List;

/**
 * One policy's stream: applying a manifest stores it unless it is the one already stored (an identical
 * re-apply appends nothing), deleting needs the policy to exist. Decides without changing anything; the
 * caller appends the events and evolves its state once they are committed.
 */
public final class PolicyDecider implements Decider<PolicyCommand, PolicyState, PolicyEvent> {

    @Override
    public PolicyState initialState() {
        return PolicyState.ABSENT;
    }

    @Override
    public PolicyState evolve(PolicyState state, PolicyEvent event) {
        return switch (event) {
            case PolicyApplied a -> new StoredPolicy(a.ref(), a.manifest(), a.revision());
            case PolicyDeleted d -> PolicyState.ABSENT;
        };
    }

    @Override
    public List<PolicyEvent> decide(PolicyCommand command, PolicyState state) {
        return switch (command) {
            case ApplyPolicy a ->
                state instanceof StoredPolicy s && s.manifest().equals(a.manifest())
                        ? List.of()
                        : List.of(new PolicyApplied(
                                a.ref().kind(), a.ref().namespace(), a.ref().name(), a.manifest(), a.revision()));
            case DeletePolicy d -> {
                if (!(state instanceof StoredPolicy)) {
                    throw CommandRejectedException.notFound("name", "policy " + d.ref() + " does not exist");
                }
                yield List.of(new PolicyDeleted(
                        d.ref().kind(), d.ref().namespace(), d.ref().name(), d.revision()));
            }
        };
    }
}
