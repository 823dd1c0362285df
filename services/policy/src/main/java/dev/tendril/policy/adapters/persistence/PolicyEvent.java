package dev.tendril.policy.adapters.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.policy.domain.PolicyRef;

/** Events of stream {@code policy/<Kind>/<namespace>/<name>}; {@code revision} is the service-wide policy revision. */
public sealed interface PolicyEvent {

    String kind();

    String namespace();

    String name();

    long revision();

    default PolicyRef ref() {
        return new PolicyRef(kind(), namespace(), name());
    }

    /** The policy was created or changed; {@code manifest} is the document as JSON. */
    record PolicyApplied(String kind, String namespace, String name, JsonNode manifest, long revision)
            implements PolicyEvent {
    }

    record PolicyDeleted(String kind, String namespace, String name, long revision) implements PolicyEvent {
    }
}
