package dev.tendril.policy.app;

import dev.tendril.policy.domain.SubjectPolicy;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * Port: the output topic of one leadership, which knows what the topic holds (read back when it was made)
 * and sends a subject only when its content differs. Called from the publishing thread only, except
 * {@link #publishedRevision}.
 */
public interface MapPublisher extends AutoCloseable {

    String topic();

    /**
     * Makes the topic hold {@code subjects}: sends those whose content differs and tombstones published
     * subjects that are gone, except those in {@code keep}.
     *
     * @return records sent
     */
    int reconcile(Map<Long, SubjectPolicy> subjects, Collection<Long> keep, long policyRevision);

    /**
     * Sends the changed subjects whose content differs from the topic's and tombstones the removed ones.
     *
     * @return records sent
     */
    int publish(Collection<SubjectPolicy> changed, Collection<Long> removed, long policyRevision);

    /** Whether a failed send left a subject unknown: a {@link #reconcile} is due. */
    boolean hasFailures();

    /** Subjects whose content is unknown after a failed send. */
    Set<Long> unknown();

    /** The revision of the subject's record on the topic, 0 when it has none. */
    long publishedRevision(long subject);

    @Override
    void close();
}
