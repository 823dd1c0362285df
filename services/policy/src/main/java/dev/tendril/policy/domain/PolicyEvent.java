package dev.tendril.policy.domain;

/**
 * Events of stream {@code policy/<Kind>/<namespace>/<name>}; {@code revision} is the service-wide policy
 * revision of the request that wrote the event. Stored as JSON under the record's simple name, schema
 * version {@value #SCHEMA_VERSION}: the names and fields are the stored format, so they do not change.
 */
public sealed interface PolicyEvent {

    int SCHEMA_VERSION = 1;

    String kind();

    String namespace();

    String name();

    long revision();

    default PolicyRef ref() {
        return new PolicyRef(kind(), namespace(), name());
    }

    /** The policy was created or changed; {@code manifest} is the document as sent. */
    record PolicyApplied(String kind, String namespace, String name, Manifest manifest, long revision)
            implements PolicyEvent {}

    record PolicyDeleted(String kind, String namespace, String name, long revision) implements PolicyEvent {}
}
