package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.Decider;
import dev.tendril.identity.domain.IdentityCommand.AllocateIdentity;
import dev.tendril.identity.domain.IdentityCommand.ReleaseIdentity;
import dev.tendril.identity.domain.IdentityEvent.IdentityAllocated;
import dev.tendril.identity.domain.IdentityEvent.IdentityReleased;
import dev.tendril.k8s.labels.Labels;
import java.util.List;

/** Allocation and release of one numeric identity, inside the installation's range. */
public final class IdentityDecider implements Decider<IdentityCommand, IdentityState, IdentityEvent> {

    private final IdRange range;

    public IdentityDecider(IdRange range) {
        this.range = range;
    }

    @Override
    public IdentityState initialState() {
        return IdentityState.FREE;
    }

    @Override
    public IdentityState evolve(IdentityState state, IdentityEvent event) {
        return switch (event) {
            case IdentityAllocated allocated -> new IdentityState(allocated.id(), allocated.labels(), true);
            case IdentityReleased released -> new IdentityState(released.id(), Labels.EMPTY, false);
        };
    }

    @Override
    public List<IdentityEvent> decide(IdentityCommand command, IdentityState state) {
        return switch (command) {
            case AllocateIdentity allocate -> allocate(allocate, state);
            case ReleaseIdentity release -> {
                if (!state.allocated()) {
                    throw CommandRejectedException.notFound("id", "identity " + release.id() + " is not allocated");
                }
                yield List.of(new IdentityReleased(release.id(), state.labels()));
            }
        };
    }

    private List<IdentityEvent> allocate(AllocateIdentity allocate, IdentityState state) {
        if (!range.contains(allocate.id())) {
            throw CommandRejectedException.invalid(
                    "id", "identity " + allocate.id() + " is outside this cluster's range " + range);
        }
        if (allocate.labels().isEmpty()) {
            throw CommandRejectedException.invalid("labels", "an identity needs at least one identity-relevant label");
        }
        if (state.allocated()) {
            if (state.labels().equals(allocate.labels())) {
                return List.of();
            }
            throw CommandRejectedException.conflict(
                    "id", "identity " + allocate.id() + " is already allocated to " + state.labels());
        }
        return List.of(new IdentityAllocated(allocate.id(), allocate.labels()));
    }

    /** The error of a full range: a clear refusal, never a wrap-around into another cluster's ids. */
    public static CommandRejectedException exhausted(IdRange range, String clusterName) {
        return CommandRejectedException.conflict(
                "labels",
                "identity range " + range + " of cluster '" + clusterName + "' is exhausted: all " + range.size()
                        + " identities are allocated");
    }
}
