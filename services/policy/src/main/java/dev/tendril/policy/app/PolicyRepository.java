package dev.tendril.policy.app;

import dev.tendril.policy.domain.PolicyEvent;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.StoredPolicy;
import dev.tendril.policy.domain.SubjectEvent.PolicyMapOverflowed;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Port: the policy events, their read model and the service-wide policy revision. Every write holds the
 * revision lock from before its first append until it commits ({@link #write}), so policy events become
 * visible in position order and a replica can follow the others' writes by position ({@link #after}).
 */
public interface PolicyRepository {

    /** A policy event as logged, with its position in the store. */
    record Logged(long position, PolicyEvent event) {}

    /**
     * What the events say: every live policy, the policy revision of the last change and the position of
     * the last policy event read (where following the log goes on).
     */
    record Snapshot(SortedMap<PolicyRef, StoredPolicy> policies, long revision, long position) {
        public Snapshot {
            policies = Collections.unmodifiableSortedMap(new TreeMap<>(policies));
        }
    }

    /** A write as appended: the request's revision and the position of its last event. */
    record Committed(long revision, long position) {}

    /** A write in progress: the revision is locked, so no other replica commits a policy meanwhile. */
    interface Locked {

        /** The policy revision as locked; a commit in this write is {@code revision() + 1}. */
        long revision();

        /** The policy events committed after {@code position}: what this replica has not seen yet. */
        List<Logged> after(long position);

        /** Appends the events of one request, which all carry {@code revision() + 1}, and updates the read model. */
        Committed commit(List<PolicyEvent> events);
    }

    /** Replays every policy event. */
    Snapshot rebuild();

    /** The policy events committed after {@code position}, at most {@code limit}, in position order. */
    List<Logged> after(long position, int limit);

    /**
     * Runs one request's write in one transaction holding the revision lock; whatever {@code work} throws
     * rolls everything back and reaches the caller.
     */
    <T> T write(Function<Locked, T> work);

    /** Records that a subject's map overflowed (stream {@code subject/<identity>}). */
    void overflowed(PolicyMapOverflowed event);
}
