package dev.tendril.policy.adapters.persistence;

import java.util.List;

/** Events of stream {@code subject/<identity>}: what happened to one subject's policy map. */
public sealed interface SubjectEvent {

    /** The computed map needs more entries than the map holds; it is not published until it fits again. */
    record PolicyMapOverflowed(long subject, int entries, int maxEntries, List<String> policies) implements SubjectEvent {
        public PolicyMapOverflowed {
            policies = List.copyOf(policies);
        }
    }
}
