package dev.tendril.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

class FollowerConfigTest {

    private static FollowerBuilder<String, String> valid() {
        return TopicFollower.builder(new StringDeserializer(), new StringDeserializer())
                .name("f")
                .bootstrapServers("127.0.0.1:9092")
                .topics("a", "b")
                .handler(batch -> {});
    }

    record Case(String name, UnaryOperator<FollowerBuilder<String, String>> change, String message) {}

    @Test
    void refusesAnUnusableConfigurationWhenBuilt() {
        List<Case> cases = List.of(
                new Case("no name", b -> b.name(" "), "name"),
                new Case("no servers", b -> b.bootstrapServers(null), "bootstrap"),
                new Case("no topics", b -> b.topics(List.of()), "topic"),
                new Case("a topic twice", b -> b.topics("a", "a"), "distinct"),
                new Case("zero poll timeout", b -> b.pollTimeout(Duration.ZERO), "positive"),
                new Case(
                        "backoff upside down",
                        b -> b.backoff(Duration.ofSeconds(5), Duration.ofSeconds(1)),
                        "exceeds"));
        for (Case c : cases) {
            assertThatThrownBy(() -> c.change().apply(valid()).build())
                    .as(c.name())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(c.message());
        }
    }

    @Test
    void followsWithoutAGroupNorCreatingTopicsAndLetsTheCallerTuneTheConsumer() {
        FollowerConfig config = valid().consumerProperties(Map.of("max.poll.records", "7"))
                .build()
                .config();
        var p = config.kafkaProperties();
        assertThat(p)
                .doesNotContainKey("group.id")
                .containsEntry("enable.auto.commit", "false")
                .containsEntry("allow.auto.create.topics", "false")
                .containsEntry("client.id", "f")
                .containsEntry("max.poll.records", "7");
        assertThat(config.startAt()).isEqualTo(StartPosition.beginning());
        assertThat(config.checkEvery()).isEqualTo(FollowerConfig.DEFAULT_CHECK_EVERY);
    }
}
