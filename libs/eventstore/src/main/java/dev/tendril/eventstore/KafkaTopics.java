package dev.tendril.eventstore;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the topics Tendril publishes to, with the cleanup policy each kind needs. */
public final class KafkaTopics {

    private KafkaTopics() {}

    /**
     * Creates missing topics: the event log keeps everything (retention -1), state topics are
     * compacted so that a consumer reading from the start gets the latest value of every key.
     */
    public static void ensure(
            Map<String, Object> kafkaProperties, String eventTopic, Set<String> stateTopics, int partitions)
            throws InterruptedException, TimeoutException {
        Map<String, Object> adminProperties = new HashMap<>(kafkaProperties);
        adminProperties.putIfAbsent("request.timeout.ms", 5000);
        adminProperties.putIfAbsent("default.api.timeout.ms", 5000);
        try (Admin admin = Admin.create(adminProperties)) {
            Set<String> existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            List<NewTopic> missing = new java.util.ArrayList<>();
            if (!existing.contains(eventTopic)) {
                missing.add(new NewTopic(eventTopic, partitions, (short) -1)
                        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1")));
            }
            for (String topic : stateTopics) {
                if (!existing.contains(topic)) {
                    missing.add(compacted(topic, partitions));
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topics " + missing + ": " + e.getCause(), e);
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics: " + e.getCause(), e);
        }
    }

    /** A compacted topic: tombstones are kept a day so slow consumers still see deletions. */
    public static NewTopic compacted(String topic, int partitions) {
        return new NewTopic(topic, partitions, (short) -1)
                .configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.DELETE_RETENTION_MS_CONFIG, "86400000",
                        TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0"));
    }
}
