package dev.tendril.policy.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.api.v1.SubjectPolicyRevision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;

/**
 * Publishes {@code tendril.policy.revisions}: key the subject identity, value {@code SubjectPolicyRevision}, the
 * revision of the subject's record on tendril.policy, a tombstone when that record is one. Only
 * {@link PolicyPublisher} drives it, from what tendril.policy acknowledged; the revision it carries is the map's,
 * so this publisher's own revision count is not written anywhere.
 */
final class RevisionsPublisher extends KeyedTopicPublisher<Long, SubjectPolicyRevision, SubjectPolicyRevision> {

    RevisionsPublisher(Map<String, Object> kafka, String topic, int partitions, MeterRegistry registry) {
        this(kafka, topic, partitions, sentCounter(registry, topic));
    }

    private RevisionsPublisher(Map<String, Object> kafka, String topic, int partitions, Counter sent) {
        super(kafka, topic, partitions, sent::increment);
    }

    private static Counter sentCounter(MeterRegistry registry, String topic) {
        return Counter.builder("tendril.policy.revisions.published")
                .description("Subject revisions (and tombstones) sent to " + topic)
                .register(registry);
    }

    static SubjectPolicyRevision of(long subject, long revision) {
        return SubjectPolicyRevision.newBuilder()
                .setSubject((int) subject)
                .setRevision(revision)
                .build();
    }

    @Override
    protected Long key(SubjectPolicyRevision value) {
        return Integer.toUnsignedLong(value.getSubject());
    }

    @Override
    protected Long parseKey(String recordKey) {
        return subjectKey(recordKey);
    }

    /** The whole record: a different map revision is a different content. */
    @Override
    protected SubjectPolicyRevision content(SubjectPolicyRevision value) {
        return value;
    }

    @Override
    protected Published<SubjectPolicyRevision> parse(byte[] record) throws InvalidProtocolBufferException {
        SubjectPolicyRevision value = SubjectPolicyRevision.parseFrom(record);
        return new Published<>(value, value.getRevision());
    }

    @Override
    protected byte[] record(SubjectPolicyRevision content, long revision, long writeRevision) {
        return content.toByteArray();
    }
}
