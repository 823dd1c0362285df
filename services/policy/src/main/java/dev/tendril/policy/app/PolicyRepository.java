package dev.tendril.policy.app;

import dev.tendril.policy.domain.PolicyEvent;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.StoredPolicy;
import dev.tendril.policy.domain.SubjectEvent.PolicyMapOverflowed;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Port: the policy events, their read model and the service-wide policy revision ({@link RevisionLog}), the
 * replay at start and the subjects' overflow records.
 */
public interface PolicyRepository extends RevisionLog<PolicyEvent> {

    /**
     * What the events say: every live policy, the policy revision of the last change and the position of
     * the last policy event read (where following the log goes on).
     */
    record Snapshot(SortedMap<PolicyRef, StoredPolicy> policies, long revision, long position) {
        public Snapshot {
            policies = Collections.unmodifiableSortedMap(new TreeMap<>(policies));
        }
    }

    /** Replays every policy event. */
    Snapshot rebuild();

    /** Records that a subject's map overflowed (stream {@code subject/<identity>}). */
    void overflowed(PolicyMapOverflowed event);
}
