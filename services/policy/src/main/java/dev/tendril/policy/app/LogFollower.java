package dev.tendril.policy.app;

import dev.tendril.policy.app.RevisionLog.Logged;
import dev.tendril.policy.domain.Policies;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.PolicyDecider;
import dev.tendril.policy.domain.PolicyEvent;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.PolicyState;
import dev.tendril.policy.domain.StoredPolicy;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows the policy event log by position, so that this replica's engine holds every replica's writes:
 * on its own thread ({@code tendril-policy-log}, every {@link #FOLLOW_EVERY}), before a dry run, and under
 * the revision lock at the start of every write ({@link #catchUp}).
 */
final class LogFollower {

    private static final System.Logger LOG = System.getLogger(LogFollower.class.getName());
    /** How often a replica looks for policy events that other replicas committed. */
    static final Duration FOLLOW_EVERY = Duration.ofMillis(100);

    private static final int FOLLOW_PAGE = 1_000;

    private final RuntimeState state;
    private final PolicyRepository store;
    private final ManifestReader manifests;
    private final CidrIdentityAllocator cidrs;
    private final PolicyDecider decider = new PolicyDecider();
    private Thread thread;

    LogFollower(RuntimeState state, PolicyRepository store, ManifestReader manifests, CidrIdentityAllocator cidrs) {
        this.state = state;
        this.store = store;
        this.manifests = manifests;
        this.cidrs = cidrs;
    }

    void start() {
        thread = followEvery("tendril-policy-log", state, this::follow, "the policy event log");
    }

    /**
     * Starts a daemon thread {@code name} that runs {@code follow} every {@link #FOLLOW_EVERY} until the runtime
     * stops or the thread is interrupted; a failed round is logged and retried at the next.
     */
    static Thread followEvery(String name, RuntimeState state, Runnable follow, String log) {
        return Thread.ofPlatform().name(name).daemon().start(() -> {
            while (!state.stopping) {
                try {
                    follow.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "cannot read " + log + " (retrying): " + e.getMessage());
                }
                try {
                    Thread.sleep(FOLLOW_EVERY);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    void stop() {
        if (thread != null) {
            thread.interrupt();
            PolicyRuntime.join(thread);
        }
    }

    /** Applies the policy events committed since the last one applied (by another replica). */
    void follow() {
        while (!state.stopping) {
            long from = state.locked(() -> state.position);
            List<Logged<PolicyEvent>> page = store.after(from, FOLLOW_PAGE);
            if (!page.isEmpty()) {
                state.locked(() -> catchUp(page));
            }
            if (page.size() < FOLLOW_PAGE) {
                return;
            }
        }
    }

    /**
     * Under the lock: applies logged policy events this engine has not seen (positions up to the state's
     * position are already applied, whoever read them). A manifest that no longer parses is logged and not
     * enforced, as at a rebuild.
     */
    void catchUp(List<Logged<PolicyEvent>> events) {
        List<Policy> changedPolicies = new ArrayList<>();
        for (Logged<PolicyEvent> logged : events) {
            if (logged.position() <= state.position) {
                continue;
            }
            state.position = logged.position();
            PolicyEvent event = logged.event();
            PolicyRef ref = event.ref();
            state.revision = Math.max(state.revision, event.revision());
            PolicyState after = decider.evolve(state.state(ref), event);
            switch (after) {
                case StoredPolicy applied -> {
                    try {
                        Policy policy = manifests.policy(applied.manifest());
                        state.mutate(() -> state.engine.apply(List.of(policy)));
                        state.stored.put(ref, applied);
                        changedPolicies.add(policy);
                    } catch (RuntimeException e) {
                        LOG.log(
                                Level.ERROR,
                                "policy %s written by another replica does not parse and is not enforced: %s"
                                        .formatted(ref, e.getMessage()));
                    }
                }
                case PolicyState.Absent absent -> {
                    if (state.stored.remove(ref) != null) {
                        state.mutate(() -> state.engine.delete(ref));
                    }
                }
            }
        }
        if (!changedPolicies.isEmpty()) {
            cidrs.ensure(Policies.cidrPrefixes(changedPolicies));
        }
    }
}
