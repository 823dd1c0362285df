package dev.tendril.agent.adapters;

import dev.tendril.topics.TopicFollower;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** How far the state consumer is behind the end of each topic it follows, and its gauges. */
public final class TopicLags {

    /**
     * How far this agent is behind the end of a followed topic, as of the last check (every second
     * while following): the records not yet consumed, and the age of the last record consumed while
     * any remain (0 when caught up).
     */
    public record Lag(long records, double seconds) {
        static final Lag NONE = new Lag(0, 0);
    }

    private final Map<String, Long> lastRecordTime = new ConcurrentHashMap<>();

    /** Records handed over: the time of each topic's last one. */
    void consumed(Iterable<ConsumerRecord<String, byte[]>> records) {
        for (ConsumerRecord<String, byte[]> r : records) {
            lastRecordTime.put(r.topic(), r.timestamp());
        }
    }

    /** The lag of a followed topic: its end offsets as of the last check (every second) against what was applied. */
    Lag lag(TopicFollower<?, ?> follower, String topic) {
        if (follower == null) {
            return Lag.NONE;
        }
        long records = follower.status().lag(topic);
        Long last = lastRecordTime.get(topic);
        double seconds = records == 0 || last == null ? 0 : Math.max(0, System.currentTimeMillis() - last) / 1000.0;
        return new Lag(records, seconds);
    }

    void register(MeterRegistry registry, TopicFollower<?, ?> follower, Collection<String> topics) {
        for (String topic : topics) {
            Gauge.builder(
                            "tendril.agent.topic.lag.records",
                            this,
                            l -> l.lag(follower, topic).records())
                    .description("Records of a followed topic not consumed yet")
                    .tag("topic", topic)
                    .register(registry);
            Gauge.builder(
                            "tendril.agent.topic.lag.seconds",
                            this,
                            l -> l.lag(follower, topic).seconds())
                    .description("Age of the last consumed record while a followed topic has more")
                    .tag("topic", topic)
                    .register(registry);
        }
    }
}
