package dev.tendril.agent.state;

/** The compacted state topics an agent bootstraps from; their names live in configuration. */
public enum StateTopic {
    /** Key: the decimal identity id; value: {@code tendril.v1.Identity}. */
    IDENTITIES,
    /** Key: {@code namespace/pod}; value: {@code tendril.v1.Endpoint}. */
    ENDPOINTS,
    /** Key: the node name; value: {@code tendril.v1.Node}. */
    NODES,
    /** Key: the decimal subject identity; value: {@code tendril.v1.SubjectPolicyMap}. */
    POLICY,
    /** Key: {@code namespace/name} of a Service; value: {@code tendril.v1.ServiceMaps}. */
    SERVICES,
    /**
     * Key: the decimal subject identity; value: {@code tendril.v1.SubjectPolicyRevision}, the latest revision of the
     * subject's map on {@code tendril.policy} (followed instead of it when the agent fetches its maps). Not held in
     * the image: a tombstone removes the subject's map as one of POLICY does, a revision is what the fetch wants.
     */
    POLICY_REVISIONS
}
