package dev.tendril.policy.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.policy.domain.SubjectPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Optional;

/**
 * Publishes subjects' policy maps to the compacted topic {@code tendril.policy}: key the subject identity,
 * value {@code SubjectPolicyMap} carrying the subject's revision and the policy revision, a tombstone when the
 * subject is gone (see {@link KeyedTopicPublisher}).
 */
public final class PolicyPublisher extends KeyedTopicPublisher<Long, SubjectPolicy, SubjectPolicyMap> {

    public PolicyPublisher(Map<String, Object> kafka, String topic, int partitions, MeterRegistry registry) {
        this(kafka, topic, partitions, sentCounter(registry, topic));
    }

    private PolicyPublisher(Map<String, Object> kafka, String topic, int partitions, Counter sent) {
        super(kafka, topic, partitions, sent::increment);
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
    protected Long key(SubjectPolicy value) {
        return value.subject();
    }

    @Override
    protected Long parseKey(String recordKey) {
        try {
            return Long.parseLong(recordKey);
        } catch (NumberFormatException e) {
            return null;
        }
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
