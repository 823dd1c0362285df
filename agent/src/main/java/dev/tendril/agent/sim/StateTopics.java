package dev.tendril.agent.sim;

import java.util.List;

/** The names of the five compacted state topics a simulated cluster follows. */
public record StateTopics(String identities, String endpoints, String nodes, String policy, String services) {

    /** The production names. */
    public static final StateTopics DEFAULT = new StateTopics(
            "tendril.identities", "tendril.endpoints", "tendril.nodes", "tendril.policy", "tendril.services");

    /** {@code <prefix>.identities}, ...: topics of their own for a test or a benchmark run. */
    public static StateTopics prefixed(String prefix) {
        return new StateTopics(
                prefix + ".identities",
                prefix + ".endpoints",
                prefix + ".nodes",
                prefix + ".policy",
                prefix + ".services");
    }

    /** The five topics an agent in topic mode follows (fetch mode follows {@link #policyRevisions()} for policy). */
    public List<String> all() {
        return List.of(identities, endpoints, nodes, policy, services);
    }

    /** {@code <policy>.revisions}: each subject's latest revision, what an agent in fetch mode follows. */
    public String policyRevisions() {
        return policy + ".revisions";
    }
}
