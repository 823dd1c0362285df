package dev.tendril.policy.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.api.v1.SubjectPolicyRevision;
import dev.tendril.policy.domain.SubjectPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;

/**
 * Publishes subjects' policy maps to the compacted topic {@code tendril.policy}: key the subject identity,
 * value {@code SubjectPolicyMap} carrying the subject's revision and the policy revision, a tombstone when the
 * subject is gone (see {@link KeyedTopicPublisher}); and, on {@code tendril.policy.revisions} (same key, same
 * partitions), each subject's {@code SubjectPolicyRevision}, sent only once its map record is acknowledged, so
 * whoever reads a revision can already fetch that map from a replica that read tendril.policy.
 *
 * <p>A revision that fails to send leaves its subject unknown like a failed map send ({@link #hasFailures}); every
 * {@link #reconcile} (the first of a leadership, and each retry after a failure) makes the revisions topic agree
 * with what tendril.policy holds, which also heals a crash between a map and its revision.
 */
public final class PolicyPublisher extends KeyedTopicPublisher<Long, SubjectPolicy, SubjectPolicyMap> {

    private final RevisionsPublisher revisions;

    public PolicyPublisher(
            Map<String, Object> kafka, String topic, String revisionsTopic, int partitions, MeterRegistry registry) {
        this(kafka, topic, partitions, sentCounter(registry, topic), revisionsTopic, registry);
    }

    private PolicyPublisher(
            Map<String, Object> kafka,
            String topic,
            int partitions,
            Counter sent,
            String revisionsTopic,
            MeterRegistry registry) {
        super(kafka, topic, partitions, sent::increment);
        this.revisions = new RevisionsPublisher(revisionsClient(kafka), revisionsTopic, partitions, registry);
    }

    /** Its own producer and client id: the map producer's batches never wait behind revisions. */
    private static Map<String, Object> revisionsClient(Map<String, Object> kafka) {
        Map<String, Object> props = new HashMap<>(kafka);
        Object clientId = props.get("client.id");
        if (clientId != null) {
            props.put("client.id", clientId + "-revisions");
        }
        return props;
    }

    private static Counter sentCounter(MeterRegistry registry, String topic) {
        return Counter.builder("tendril.policy.subjects.published")
                .description("Subject policy maps (and tombstones) sent to " + topic)
                .register(registry);
    }

    /** What the topic holds for a subject, if anything. */
    public Optional<Published<SubjectPolicyMap>> published(long subject) {
        return published(Long.valueOf(subject));
    }

    @Override
    public void ensureTopic() throws InterruptedException, TimeoutException {
        super.ensureTopic();
        revisions.ensureTopic();
    }

    @Override
    public void readBack() {
        super.readBack();
        revisions.readBack();
    }

    @Override
    public int reconcile(Map<Long, SubjectPolicy> all, Collection<Long> keep, long revision) {
        int sent = super.reconcile(all, keep, revision);
        Set<Long> mapsUnknown = super.unknown();
        Map<Long, SubjectPolicyRevision> held = new HashMap<>();
        Set<Long> notKnown = new HashSet<>(mapsUnknown);
        published().forEach((subject, map) -> {
            if (map.content() == null || mapsUnknown.contains(subject)) {
                notKnown.add(subject);
            } else {
                held.put(subject, RevisionsPublisher.of(subject, map.revision()));
            }
        });
        // A subject whose map record is unknown keeps its revision record until the map is resent.
        revisions.reconcile(held, notKnown, 0);
        return sent;
    }

    @Override
    public int publish(Collection<SubjectPolicy> changed, Collection<Long> removed, long revision) {
        int sent = super.publish(changed, removed, revision);
        Set<Long> mapsUnknown = super.unknown();
        List<SubjectPolicyRevision> newer = new ArrayList<>();
        List<Long> gone = new ArrayList<>();
        List<Long> keys = new ArrayList<>(removed);
        changed.forEach(s -> keys.add(s.subject()));
        for (Long subject : keys) {
            if (mapsUnknown.contains(subject)) {
                continue;
            }
            Optional<Published<SubjectPolicyMap>> map = published(subject);
            if (map.isEmpty()) {
                gone.add(subject);
            } else if (map.get().content() != null) {
                newer.add(RevisionsPublisher.of(subject, map.get().revision()));
            }
        }
        // Only now: super.publish returned after the map records were acknowledged (or failed: unknown, skipped).
        revisions.publish(newer, gone, 0);
        return sent;
    }

    @Override
    public boolean hasFailures() {
        return super.hasFailures() || revisions.hasFailures();
    }

    /** Subjects whose map or revision record is unknown after a failed send. */
    @Override
    public Set<Long> unknown() {
        Set<Long> all = new TreeSet<>(super.unknown());
        all.addAll(revisions.unknown());
        return all;
    }

    @Override
    public void close() {
        try {
            super.close();
        } finally {
            revisions.close();
        }
    }

    @Override
    protected Long key(SubjectPolicy value) {
        return value.subject();
    }

    @Override
    protected Long parseKey(String recordKey) {
        return subjectKey(recordKey);
    }

    @Override
    protected SubjectPolicyMap content(SubjectPolicy value) {
        return ProtoMapping.content(value);
    }

    @Override
    protected Published<SubjectPolicyMap> parse(byte[] record) throws InvalidProtocolBufferException {
        SubjectPolicyMap value = SubjectPolicyMap.parseFrom(record);
        return new Published<>(ProtoMapping.withoutRevisions(value), value.getRevision());
    }

    @Override
    protected byte[] record(SubjectPolicyMap content, long revision, long policyRevision) {
        return content.toBuilder()
                .setRevision(revision)
                .setPolicyRevision(policyRevision)
                .build()
                .toByteArray();
    }
}
