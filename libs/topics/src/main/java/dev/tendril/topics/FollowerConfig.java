package dev.tendril.topics;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * How a {@link TopicFollower} reads, validated when built; {@link FollowerBuilder} starts from the
 * defaults below.
 *
 * @param name the thread's name and the consumer's client id
 * @param topics the topics to follow, all partitions of each
 * @param startAt where each partition is read from
 * @param requireTopics stay bootstrapping (retrying) until every topic exists, for a topic the caller
 *     creates itself; otherwise a missing topic is an empty one, followed from its beginning once it appears
 * @param pollTimeout how long one poll waits for records
 * @param checkEvery how often the partition count and end offsets are re-read (which is also how a dead
 *     broker is noticed: polls alone do not tell)
 * @param kafkaTimeout how long a metadata or offset request may take before the step counts as failed
 * @param minBackoff the first pause after a failure, doubled on every further one
 * @param maxBackoff the longest pause
 * @param closeTimeout how long {@link TopicFollower#close()} waits for the thread (a handler call is not
 *     interrupted)
 * @param consumerProperties Kafka consumer properties over the follower's own
 */
public record FollowerConfig(
        String name,
        String bootstrapServers,
        List<String> topics,
        StartPosition startAt,
        boolean requireTopics,
        Duration pollTimeout,
        Duration checkEvery,
        Duration kafkaTimeout,
        Duration minBackoff,
        Duration maxBackoff,
        Duration closeTimeout,
        Map<String, Object> consumerProperties) {

    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(200);
    public static final Duration DEFAULT_CHECK_EVERY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_KAFKA_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(200);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    public FollowerConfig {
        Objects.requireNonNull(startAt, "startAt");
        require(name != null && !name.isBlank(), "a follower needs a name");
        require(bootstrapServers != null && !bootstrapServers.isBlank(), "bootstrap servers are required");
        topics = List.copyOf(topics);
        require(!topics.isEmpty(), "at least one topic is required");
        require(new HashSet<>(topics).size() == topics.size(), "topics must be distinct: " + topics);
        require(topics.stream().noneMatch(String::isBlank), "a topic name must not be blank");
        for (Duration d : List.of(pollTimeout, checkEvery, kafkaTimeout, minBackoff, maxBackoff, closeTimeout)) {
            require(d != null && d.isPositive(), "durations must be positive");
        }
        require(
                minBackoff.compareTo(maxBackoff) <= 0,
                "minBackoff " + minBackoff + " exceeds maxBackoff " + maxBackoff);
        consumerProperties = Map.copyOf(consumerProperties);
    }

    /** The defaults for following {@code topics} from the beginning. */
    public static FollowerConfig defaults(String name, String bootstrapServers, List<String> topics) {
        return new FollowerConfig(
                name,
                bootstrapServers,
                topics,
                StartPosition.beginning(),
                false,
                DEFAULT_POLL_TIMEOUT,
                DEFAULT_CHECK_EVERY,
                DEFAULT_KAFKA_TIMEOUT,
                DEFAULT_MIN_BACKOFF,
                DEFAULT_MAX_BACKOFF,
                DEFAULT_CLOSE_TIMEOUT,
                Map.of());
    }

    /** The consumer's properties: the follower's own, then {@link #consumerProperties()} over them. */
    public Properties kafkaProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Every offset is sought explicitly; a reset happens only when retention removed the records.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // A follower must not create the topics it waits for with the broker's defaults (not compacted).
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // partitionsFor() answers from cached metadata: refreshed this often, a check sees new partitions.
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, Long.toString(checkEvery.toMillis()));
        p.putAll(consumerProperties);
        return p;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
