package dev.tendril.topics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Builds a {@link TopicFollower} from {@link FollowerConfig#defaults}; {@code name}, {@code bootstrapServers},
 * {@code topics} and {@code handler} are required.
 */
public final class FollowerBuilder<K, V> {
    private final Deserializer<K> keys;
    private final Deserializer<V> values;
    private String name;
    private String bootstrapServers;
    private List<String> topics = List.of();
    private FollowerHandler<K, V> handler;
    private Runnable prepare = () -> {};
    private StartPosition startAt = StartPosition.beginning();
    private boolean requireTopics;
    private Duration pollTimeout = FollowerConfig.DEFAULT_POLL_TIMEOUT;
    private Duration checkEvery = FollowerConfig.DEFAULT_CHECK_EVERY;
    private Duration kafkaTimeout = FollowerConfig.DEFAULT_KAFKA_TIMEOUT;
    private Duration minBackoff = FollowerConfig.DEFAULT_MIN_BACKOFF;
    private Duration maxBackoff = FollowerConfig.DEFAULT_MAX_BACKOFF;
    private Duration closeTimeout = FollowerConfig.DEFAULT_CLOSE_TIMEOUT;
    private Map<String, Object> consumerProperties = Map.of();

    FollowerBuilder(Deserializer<K> keys, Deserializer<V> values) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.values = Objects.requireNonNull(values, "values");
    }

    public FollowerBuilder<K, V> name(String name) {
        this.name = name;
        return this;
    }

    public FollowerBuilder<K, V> bootstrapServers(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        return this;
    }

    public FollowerBuilder<K, V> topics(List<String> topics) {
        this.topics = topics;
        return this;
    }

    public FollowerBuilder<K, V> topics(String... topics) {
        return topics(List.of(topics));
    }

    public FollowerBuilder<K, V> handler(FollowerHandler<K, V> handler) {
        this.handler = handler;
        return this;
    }

    /**
     * Runs on the follower thread before anything is read, retried with backoff until it succeeds; e.g.
     * creating the topic when this caller owns it (then also {@link #requireTopics()}).
     */
    public FollowerBuilder<K, V> prepare(Runnable prepare) {
        this.prepare = prepare;
        return this;
    }

    public FollowerBuilder<K, V> startAt(StartPosition startAt) {
        this.startAt = startAt;
        return this;
    }

    /** See {@link FollowerConfig#requireTopics()}. */
    public FollowerBuilder<K, V> requireTopics() {
        this.requireTopics = true;
        return this;
    }

    public FollowerBuilder<K, V> pollTimeout(Duration pollTimeout) {
        this.pollTimeout = pollTimeout;
        return this;
    }

    public FollowerBuilder<K, V> checkEvery(Duration checkEvery) {
        this.checkEvery = checkEvery;
        return this;
    }

    public FollowerBuilder<K, V> kafkaTimeout(Duration kafkaTimeout) {
        this.kafkaTimeout = kafkaTimeout;
        return this;
    }

    public FollowerBuilder<K, V> backoff(Duration min, Duration max) {
        this.minBackoff = min;
        this.maxBackoff = max;
        return this;
    }

    public FollowerBuilder<K, V> closeTimeout(Duration closeTimeout) {
        this.closeTimeout = closeTimeout;
        return this;
    }

    /** Kafka consumer properties over the follower's own (fetch sizes, security). */
    public FollowerBuilder<K, V> consumerProperties(Map<String, ?> consumerProperties) {
        this.consumerProperties = Map.copyOf(consumerProperties);
        return this;
    }

    /** The follower, not started yet. */
    public TopicFollower<K, V> build() {
        FollowerConfig config = new FollowerConfig(
                name,
                bootstrapServers,
                topics,
                startAt,
                requireTopics,
                pollTimeout,
                checkEvery,
                kafkaTimeout,
                minBackoff,
                maxBackoff,
                closeTimeout,
                consumerProperties);
        return new TopicFollower<>(
                config,
                keys,
                values,
                Objects.requireNonNull(handler, "handler"),
                Objects.requireNonNull(prepare, "prepare"));
    }

    /** {@link #build()} and {@link TopicFollower#start()}. */
    public TopicFollower<K, V> start() {
        return build().start();
    }
}
