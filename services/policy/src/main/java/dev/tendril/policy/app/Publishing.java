package dev.tendril.policy.app;

import dev.tendril.policy.domain.PolicyEngine.Changes;
import dev.tendril.policy.domain.PolicyEngine.Overflow;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.SubjectEvent.PolicyMapOverflowed;
import dev.tendril.policy.domain.SubjectPolicy;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Publishing the policy maps (the engine's subjects) while this replica leads, on the thread
 * {@code tendril-policy-publishing} ({@link KeyedTopicPublishing}); subjects whose map overflows are not
 * published (agents keep their previous content): they are logged, counted and recorded when a mutation
 * makes them overflow and again when a new leader takes over.
 */
final class Publishing {

    private static final System.Logger LOG = System.getLogger(Publishing.class.getName());

    private final RuntimeState state;
    private final PolicyRepository store;
    private final KeyedTopicPublishing<Long, SubjectPolicy> topic;

    Publishing(RuntimeState state, PolicyRepository store, Leadership leadership, String topic) {
        this.state = state;
        this.store = store;
        this.topic = new KeyedTopicPublishing<>(
                state,
                leadership,
                topic,
                new KeyedTopicPublishing.Source<>(
                        "tendril-policy-publishing",
                        state.engine::subjects,
                        () -> state.engine.overflows().stream()
                                .map(Overflow::subject)
                                .toList(),
                        () -> state.revision,
                        () -> report(state.engine.overflows())));
    }

    boolean leading() {
        return topic.leading();
    }

    /** Under the lock: the inputs are bootstrapped; starts the publishing thread, which waits for leadership. */
    void begin(Supplier<? extends TopicPublisher<Long, SubjectPolicy>> publishers) {
        topic.begin(publishers);
    }

    /** The election's word: this replica leads now, or no longer. Never called under the lock. */
    void leading(boolean now) {
        topic.leading(now);
    }

    /** Under the lock: marks what a mutation changed for the publishing thread and reports new overflows. */
    void changed(Changes changes) {
        if (changes.isEmpty()) {
            return;
        }
        List<Long> keys = new ArrayList<>(changes.changed().keySet());
        keys.addAll(changes.removed());
        if (topic.changed(keys)) {
            report(changes.overflows());
        }
    }

    /** Has the publishing thread send again what failed to publish. */
    void retryFailed() {
        topic.retryFailed();
    }

    Set<Long> unpublished() {
        return topic.unpublished();
    }

    boolean publishedAll() {
        return topic.publishedAll();
    }

    /** The revision last published for a subject, 0 when never (or on a standby). */
    long publishedRevision(long subject) {
        return topic.publishedRevision(subject);
    }

    /** Ends the publishing thread (the state says it is stopping). */
    void stopThread() {
        topic.stopThread();
    }

    /** Closes the publisher of the last leadership, once the thread ended. */
    void closePublisher() {
        topic.closePublisher();
    }

    /** Under the lock: logs, counts and records the subjects whose maps overflow. */
    private void report(List<Overflow> overflows) {
        for (Overflow o : overflows) {
            List<String> refs = o.policies().stream().map(PolicyRef::toString).toList();
            LOG.log(
                    Level.ERROR,
                    ("policy map of subject %d needs %d entries, more than map-max-entries %d; not "
                                    + "published (agents keep its previous content). Policies: %s")
                            .formatted(o.subject(), o.entries(), o.maxEntries(), refs));
            state.metrics.overflowed(o.subject());
            try {
                store.overflowed(new PolicyMapOverflowed(o.subject(), o.entries(), o.maxEntries(), refs));
            } catch (RuntimeException e) {
                LOG.log(
                        Level.ERROR,
                        "cannot record the overflow of subject %d: %s".formatted(o.subject(), e.getMessage()));
            }
        }
    }
}
