package dev.tendril.policy.app;

import dev.tendril.policy.app.ApplyOutcome.Applied;
import dev.tendril.policy.app.RevisionLog.Committed;
import dev.tendril.policy.app.RevisionLog.Locked;
import dev.tendril.policy.domain.ApplyResult;
import dev.tendril.policy.domain.Policies;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.PolicyCommand.ApplyPolicy;
import dev.tendril.policy.domain.PolicyCommand.DeletePolicy;
import dev.tendril.policy.domain.PolicyDecider;
import dev.tendril.policy.domain.PolicyDocument;
import dev.tendril.policy.domain.PolicyEngine.Changes;
import dev.tendril.policy.domain.PolicyEvent;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.PolicyState;
import dev.tendril.policy.domain.StoredPolicy;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The write side: load, decide, append in one transaction. A write takes the revision lock
 * ({@link PolicyRepository#write}), applies what other replicas committed since this engine last looked,
 * decides each command with the {@link PolicyDecider} on that state, computes the new maps, and only then
 * appends the events. Whatever fails (the decider, the engine, the commit) puts the engine back: nothing is
 * stored and nothing published. The state evolves, and the maps are handed to publishing, once the commit
 * returned.
 */
final class PolicyWrites {

    private static final System.Logger LOG = System.getLogger(PolicyWrites.class.getName());

    private final RuntimeState state;
    private final PolicyRepository store;
    private final LogFollower follower;
    private final CidrIdentityAllocator cidrs;
    private final PolicyDecider decider = new PolicyDecider();

    PolicyWrites(RuntimeState state, PolicyRepository store, LogFollower follower, CidrIdentityAllocator cidrs) {
        this.state = state;
        this.store = store;
        this.follower = follower;
        this.cidrs = cidrs;
    }

    /** What a request would do on the current state: per document its result and the revision it has now. */
    private record Decision(
            List<Applied> outcome, List<PolicyEvent> events, List<Policy> changed, List<String> warnings) {}

    /** A write as the transaction left it: its events, the computed maps and the commit (null when nothing changed). */
    private record Written(Decision decision, List<PolicyEvent> events, Changes computed, Committed commit) {}

    /** The engine's policies before a write changed them, to put back when the write fails. */
    private static final class Undo {
        final Map<PolicyRef, Optional<Policy>> previous = new HashMap<>();
    }

    /** Stores and applies the documents of one request atomically, or (dry run) only says what would happen. */
    ApplyOutcome apply(List<PolicyDocument> documents, boolean dryRun) {
        if (dryRun) {
            follower.follow();
        }
        Decision decision;
        long newRevision;
        state.lock.lock();
        try {
            if (dryRun) {
                decision = decide(documents, state.revision + 1);
                newRevision = state.revision;
            } else {
                Undo undo = new Undo();
                Written written = write(undo, locked -> {
                    follower.catchUp(locked.after(state.position));
                    Decision d = decide(documents, locked.revision() + 1);
                    if (d.events().isEmpty()) {
                        return new Written(d, d.events(), null, null);
                    }
                    d.changed().forEach(p -> undo.previous.put(p.ref(), state.engine.policy(p.ref())));
                    Changes computed = state.metrics.compile(() -> state.engine.apply(d.changed()));
                    return new Written(d, d.events(), computed, locked.commit(d.events()));
                });
                decision = written.decision();
                newRevision = committed(written);
            }
        } finally {
            state.lock.unlock();
        }
        List<Applied> outcome = new ArrayList<>();
        for (Applied a : decision.outcome()) {
            long policyRevision = a.result() == ApplyResult.UNCHANGED ? a.revision() : dryRun ? 0 : newRevision;
            outcome.add(new Applied(a.ref(), policyRevision, a.result()));
        }
        if (!dryRun) {
            cidrs.ensure(Policies.cidrPrefixes(decision.changed()));
        }
        return new ApplyOutcome(newRevision, outcome, decision.warnings());
    }

    /** Deletes a stored policy; returns the new revision. Computes first, commits after, as {@link #apply}. */
    long delete(PolicyRef ref) {
        state.lock.lock();
        try {
            Undo undo = new Undo();
            Written written = write(undo, locked -> {
                follower.catchUp(locked.after(state.position));
                List<PolicyEvent> events =
                        decider.decide(new DeletePolicy(ref, locked.revision() + 1), state.state(ref));
                undo.previous.put(ref, state.engine.policy(ref));
                Changes computed = state.metrics.compile(() -> state.engine.delete(ref));
                return new Written(null, events, computed, locked.commit(events));
            });
            committed(written);
            return state.revision;
        } finally {
            state.lock.unlock();
        }
    }

    /** Under the lock: decides each document against the stored policies as they were before the request. */
    private Decision decide(List<PolicyDocument> documents, long revision) {
        List<Applied> outcome = new ArrayList<>();
        List<PolicyEvent> events = new ArrayList<>();
        List<Policy> changed = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (PolicyDocument d : documents) {
            PolicyRef ref = d.policy().ref();
            PolicyState before = state.state(ref);
            List<PolicyEvent> decided = decider.decide(new ApplyPolicy(ref, d.manifest(), revision), before);
            outcome.add(new Applied(
                    ref, before instanceof StoredPolicy s ? s.revision() : 0, ApplyResult.of(before, decided)));
            warnings.addAll(Policies.warnings(d.policy()));
            if (!decided.isEmpty()) {
                events.addAll(decided);
                changed.add(d.policy());
            }
        }
        return new Decision(outcome, events, changed, warnings);
    }

    /**
     * Under the lock: runs {@code work} in one write transaction holding the revision lock. When the work or
     * the commit throws, {@code undo} puts the engine back and the failure goes to the caller: nothing was
     * stored.
     */
    private Written write(Undo undo, Function<Locked<PolicyEvent>, Written> work) {
        try {
            return store.write(work);
        } catch (RuntimeException | Error e) {
            if (!undo.previous.isEmpty()) {
                try {
                    restore(undo.previous);
                } catch (RuntimeException undoFailure) {
                    e.addSuppressed(undoFailure);
                    LOG.log(
                            Level.ERROR,
                            "cannot put the engine back after a failed write; its maps may differ "
                                    + "from the stored policies until the service restarts",
                            undoFailure);
                }
            }
            throw e;
        }
    }

    /**
     * Under the lock, once the write committed: its revision is now the service's, its events evolve the
     * stored policies, and the maps it computed are handed to publishing.
     *
     * @return the service's revision
     */
    private long committed(Written written) {
        if (written.commit() != null) {
            state.revision = written.commit().revision();
            state.position = Math.max(state.position, written.commit().position());
            for (PolicyEvent event : written.events()) {
                switch (decider.evolve(state.state(event.ref()), event)) {
                    case StoredPolicy applied -> state.stored.put(event.ref(), applied);
                    case PolicyState.Absent absent -> state.stored.remove(event.ref());
                }
            }
            state.changed(written.computed());
        }
        return state.revision;
    }

    /** Puts policies back as they were in the engine: the previous version, or none. */
    private void restore(Map<PolicyRef, Optional<Policy>> previous) {
        List<Policy> back = new ArrayList<>();
        previous.forEach((ref, policy) -> {
            if (policy.isPresent()) {
                back.add(policy.get());
            } else {
                state.engine.delete(ref);
            }
        });
        state.engine.apply(back);
        state.metrics.overflowing(state.engine.overflows().size());
    }
}
