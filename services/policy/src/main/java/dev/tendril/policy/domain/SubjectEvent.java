package dev.tendril.policy.domain;

import java.util.List;

/**
 * Events of stream {@code subject/<identity>}: what happened to one subject's policy map. Stored as JSON
 * under the record's simple name, schema version {@value #SCHEMA_VERSION}.
 */
public sealed interface SubjectEvent {

    int SCHEMA_VERSION = 1;

    /** The computed map needs more entries than the map holds; it is not published until it fits again. */
    record PolicyMapOverflowed(long subject, int entries, int maxEntries, List<String> policies)
            implements SubjectEvent {
        public PolicyMapOverflowed {
            policies = List.copyOf(policies);
        }
    }
}
