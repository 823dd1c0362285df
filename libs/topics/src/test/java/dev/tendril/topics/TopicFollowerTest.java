package dev.tendril.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.SharedInfrastructure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The follower against the real in-process Kafka broker. */
class TopicFollowerTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final List<TopicFollower<String, String>> followers = new ArrayList<>();
    private TestTopics topics;

    @BeforeEach
    void producer() {
        topics = new TestTopics();
    }

    @AfterEach
    void closeAll() {
        followers.forEach(TopicFollower::close);
        topics.close();
        SharedInfrastructure.kafka(); // restarts the shared broker if a failed test left it stopped
    }

    private FollowerBuilder<String, String> follower(RecordingHandler handler, String... names) {
        return follower(new StringDeserializer(), handler, names);
    }

    private FollowerBuilder<String, String> follower(
            Deserializer<String> values, RecordingHandler handler, String... names) {
        return TopicFollower.builder(new StringDeserializer(), values)
                .name("test-follower")
                .bootstrapServers(TestTopics.bootstrap())
                .topics(names)
                .handler(handler);
    }

    private TopicFollower<String, String> started(FollowerBuilder<String, String> builder) {
        TopicFollower<String, String> f = builder.build();
        followers.add(f);
        return f.start();
    }

    private static FollowerStatus caughtUp(TopicFollower<String, String> f) throws Exception {
        return f.caughtUp().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void bootstrapsToTheEndCapturedAtStartThenFollowsEveryNewRecord() throws Exception {
        String a = TestTopics.create(3);
        String b = TestTopics.create(1);
        for (int i = 0; i < 30; i++) {
            topics.send(a, i % 3, "a" + i, "v" + i);
        }
        topics.send(b, 0, "b0", "v0");
        RecordingHandler handler = new RecordingHandler();
        TopicFollower<String, String> f = started(follower(handler, a, b));

        FollowerStatus atCaughtUp = caughtUp(f);
        assertThat(handler.recordsAtCaughtUp()).isEqualTo(31);
        assertThat(handler.deliveries).allMatch(RecordingHandler.Delivery::bootstrapping);
        assertThat(atCaughtUp.caughtUp()).isTrue();
        assertThat(atCaughtUp.partitions()).hasSize(4);
        assertThat(atCaughtUp.lag()).isZero();

        for (int i = 0; i < 6; i++) {
            topics.send(a, i % 3, "later" + i, "w" + i);
        }
        await().atMost(WAIT).until(() -> handler.deliveries.size() == 37);
        assertThat(handler.deliveries.subList(31, 37)).noneMatch(RecordingHandler.Delivery::bootstrapping);
        assertThat(handler.state()).hasSize(37).containsEntry("later5", "w5").containsEntry("a29", "v29");
        await().atMost(WAIT).untilAsserted(() -> {
            FollowerStatus s = f.status();
            assertThat(s.state()).isEqualTo(FollowerState.FOLLOWING);
            assertThat(s.recordsApplied()).isEqualTo(37);
            assertThat(s.lag()).isZero();
            assertThat(s.lag(a)).isZero();
            assertThat(s.partitions().get(new TopicPartition(a, 0)).position()).isEqualTo(12);
            assertThat(s.lastFailure()).isEmpty();
        });
    }

    @Test
    void tellsTheHandlerWhenAPollAfterTheBootstrapFindsNothingMore() throws Exception {
        String topic = TestTopics.create(1);
        for (int i = 0; i < 5; i++) {
            topics.send(topic, 0, "k" + i, "v" + i);
        }
        RecordingHandler handler = new RecordingHandler();
        TopicFollower<String, String> f =
                started(follower(handler, topic).consumerProperties(Map.of("max.poll.records", "2")));
        caughtUp(f);
        await().atMost(WAIT).until(() -> handler.drains.contains(5));

        for (int i = 5; i < 9; i++) {
            topics.send(topic, 0, "k" + i, "v" + i);
        }
        // A handler holding records back publishes them on the drain that follows the last of them.
        await().atMost(WAIT).until(() -> handler.drains.contains(9));
        assertThat(handler.drains).doesNotContain(-1).isSorted();
    }

    @Test
    void signalsCaughtUpAtOnceOnAnEmptyTopic() throws Exception {
        String empty = TestTopics.create(2);
        RecordingHandler handler = new RecordingHandler();
        TopicFollower<String, String> f = started(follower(handler, empty));

        FollowerStatus s = caughtUp(f);
        assertThat(handler.recordsAtCaughtUp()).isZero();
        assertThat(s.partitions()).containsOnlyKeys(new TopicPartition(empty, 0), new TopicPartition(empty, 1));
        assertThat(s.recordsApplied()).isZero();

        topics.send(empty, 1, "k", "v");
        await().atMost(WAIT).until(() -> handler.state().equals(Map.of("k", "v")));
    }

    @Test
    void treatsAMissingTopicAsEmptyAndFollowsItFromItsBeginningOnceItExists() throws Exception {
        String later = TestTopics.freshName();
        RecordingHandler handler = new RecordingHandler();
        TopicFollower<String, String> f = started(follower(handler, later));

        assertThat(caughtUp(f).partitions()).isEmpty();
        assertThat(f.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS).partitions())
                .isEmpty();

        TestTopics.createNamed(later, 1);
        topics.send(later, 0, "first", "1");
        topics.send(later, 0, "second", "2");
        await().atMost(WAIT).until(() -> handler.keys().equals(List.of("first", "second")));
        assertThat(f.status().state()).isEqualTo(FollowerState.FOLLOWING);
    }

    @Test
    void waitsForRequiredTopicsAndBootstrapsOnceTheyExist() throws Exception {
        String owned = TestTopics.freshName();
        RecordingHandler handler = new RecordingHandler();
        TopicFollower<String, String> f = started(
                follower(handler, owned).requireTopics().backoff(Duration.ofMillis(50), Duration.ofMillis(200)));

        await().atMost(WAIT).untilAsserted(() -> {
            FollowerStatus s = f.status();
            assertThat(s.state()).isEqualTo(FollowerState.RETRYING);
            assertThat(s.problem())
                    .hasValueSatisfying(p -> assertThat(p.message()).contains(owned));
        });
        assertThat(f.caughtUp()).isNotDone();

        TestTopics.createNamed(owned, 1);
        topics.send(owned, 0, "k", "v");
        // Either bootstrapped with the record or caught up on the empty topic and then followed it.
        caughtUp(f);
        await().atMost(WAIT).until(() -> handler.state().equals(Map.of("k", "v")));
        await().atMost(WAIT).until(() -> f.status().state() == FollowerState.FOLLOWING);
    }

    @Test
    void deliversTombstonesAsRecordsWithoutAValue() throws Exception {
        String topic = TestTopics.create(1);
        topics.send(topic, 0, "gone", "v1");
        topics.send(topic, 0, "kept", "v2");
        topics.send(topic, 0, "gone", null);
        RecordingHandler handler = new RecordingHandler();
        TopicFollower<String, String> f = started(follower(handler, topic));

        caughtUp(f);
        assertThat(handler.state()).isEqualTo(Map.of("kept", "v2"));
        assertThat(handler.deliveries)
                .extracting(RecordingHandler.Delivery::value)
                .containsExactly("v1", "v2", null);

        topics.send(topic, 0, "kept", null);
        await().atMost(WAIT).until(() -> handler.state().isEmpty());
    }

    @Test
    void followsAPartitionAddedWhileFollowingFromItsBeginning() throws Exception {
        String topic = TestTopics.create(1);
        topics.send(topic, 0, "p0", "v");
        RecordingHandler handler = new RecordingHandler();
        TopicFollower<String, String> f = started(follower(handler, topic));
        caughtUp(f);

        TestTopics.addPartitions(topic, 3);
        topics.send(topic, 2, "p2", "v");
        topics.send(topic, 1, "p1", "v");

        await().atMost(WAIT).until(() -> handler.state().keySet().equals(java.util.Set.of("p0", "p1", "p2")));
        assertThat(f.status().partitions()).hasSize(3);
        assertThat(handler.deliveries)
                .extracting(RecordingHandler.Delivery::offset)
                .containsOnly(0L);
    }

    @Test
    void resumesAfterABrokerRestartWithoutLossOrDuplicates() throws Exception {
        String topic = TestTopics.create(2);
        for (int i = 0; i < 10; i++) {
            topics.send(topic, i % 2, "before" + i, "v");
        }
        RecordingHandler handler = new RecordingHandler();
        TopicFollower<String, String> f = started(follower(handler, topic)
                .kafkaTimeout(Duration.ofSeconds(1))
                .backoff(Duration.ofMillis(100), Duration.ofMillis(500)));
        caughtUp(f);

        KafkaBroker kafka = SharedInfrastructure.kafka();
        kafka.stop();
        try {
            await().atMost(WAIT).untilAsserted(() -> {
                FollowerStatus s = f.status();
                assertThat(s.state()).isEqualTo(FollowerState.RETRYING);
                assertThat(s.problem()).isPresent();
            });
        } finally {
            kafka.restart();
        }
        topics.close();
        topics = new TestTopics();
        for (int i = 0; i < 10; i++) {
            topics.send(topic, i % 2, "after" + i, "v");
        }

        await().atMost(WAIT).until(() -> handler.deliveries.size() >= 20);
        await().atMost(WAIT).until(() -> f.status().state() == FollowerState.FOLLOWING);
        List<String> delivered = handler.deliveries.stream()
                .map(d -> d.partition() + "@" + d.offset())
                .toList();
        assertThat(delivered).doesNotHaveDuplicates().hasSize(20);
        assertThat(handler.state()).hasSize(20);
        assertThat(f.status().lastFailure()).isPresent();
        assertThat(f.status().problem()).isEmpty();
    }

    @Test
    void reportsAFailingBatchAndHandsItOverAgainUntilTheHandlerTakesIt() throws Exception {
        String topic = TestTopics.create(1);
        topics.send(topic, 0, "a", "1");
        topics.send(topic, 0, "b", "2");
        topics.send(topic, 0, "c", "3");
        RecordingHandler handler = new RecordingHandler();
        handler.failOn(r -> r.key().equals("b"), 3);
        TopicFollower<String, String> f =
                started(follower(handler, topic).backoff(Duration.ofMillis(50), Duration.ofMillis(200)));

        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(f.status().lastFailure())
                        .hasValueSatisfying(p -> assertThat(p.message()).contains("store unavailable for b")));
        caughtUp(f);
        assertThat(handler.deliveries)
                .extracting(RecordingHandler.Delivery::offset)
                .containsExactly(0L, 1L, 2L);
        await().atMost(WAIT).until(() -> f.status().state() == FollowerState.FOLLOWING);

        topics.send(topic, 0, "d", "4");
        await().atMost(WAIT).until(() -> handler.state().size() == 4);
        assertThat(f.status().recordsApplied()).isEqualTo(4);
    }

    @Test
    void skipsAndReportsARecordTheDeserializerCannotRead() throws Exception {
        String topic = TestTopics.create(1);
        topics.send(topic, 0, "k1", "good");
        topics.send(topic, 0, "k2", "bad");
        topics.send(topic, 0, "k3", "good");
        Deserializer<String> strict = (name, data) -> {
            String s = data == null ? null : new String(data, StandardCharsets.UTF_8);
            if ("bad".equals(s)) {
                throw new SerializationException("not a value: " + s);
            }
            return s;
        };
        RecordingHandler handler = new RecordingHandler();
        TopicFollower<String, String> f = started(follower(strict, handler, topic));

        caughtUp(f);
        assertThat(handler.keys()).containsExactly("k1", "k3");
        assertThat(handler.rejected).singleElement().satisfies(r -> {
            assertThat(r.partition()).isEqualTo(new TopicPartition(topic, 0));
            assertThat(r.offset()).isEqualTo(1);
        });
        FollowerStatus s = f.status();
        assertThat(s.recordsRejected()).isEqualTo(1);
        assertThat(s.recordsApplied()).isEqualTo(2);
        assertThat(s.lastFailure()).isEmpty();
    }

    @Test
    void startsFromTheTailOrFromGivenOffsets() throws Exception {
        String topic = TestTopics.create(1);
        for (int i = 0; i < 10; i++) {
            topics.send(topic, 0, "k" + i, "v");
        }
        RecordingHandler tail = new RecordingHandler();
        RecordingHandler given = new RecordingHandler();
        TopicFollower<String, String> fromTail = started(follower(tail, topic).startAt(StartPosition.tail(3)));
        TopicFollower<String, String> fromOffset = started(
                follower(given, topic).startAt(StartPosition.offsets(Map.of(new TopicPartition(topic, 0), 6L))));

        caughtUp(fromTail);
        caughtUp(fromOffset);
        assertThat(tail.keys()).containsExactly("k7", "k8", "k9");
        assertThat(given.keys()).containsExactly("k6", "k7", "k8", "k9");
    }

    @Test
    void readToEndCompletesOnceEveryRecordProducedBeforeWasApplied() throws Exception {
        String topic = TestTopics.create(3);
        RecordingHandler handler = new RecordingHandler();
        // Neither a poll returning nor a periodic check hurries it: only the request does.
        TopicFollower<String, String> f = started(
                follower(handler, topic).pollTimeout(Duration.ofMinutes(10)).checkEvery(Duration.ofMinutes(10)));
        caughtUp(f);

        Map<String, String> sent = new HashMap<>();
        IntStream.range(0, 12).forEach(i -> {
            topics.send(topic, i % 3, "k" + i, "v" + i);
            sent.put("k" + i, "v" + i);
        });
        f.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(handler.state()).isEqualTo(sent);
    }

    @Test
    void aNudgeWakesALongPollAndTheHandlerHearsDrainedOnItsThread() throws Exception {
        String topic = TestTopics.create(1);
        RecordingHandler handler = new RecordingHandler();
        // A poll of ten minutes and no check: only the nudge can bring the drained() call within the wait.
        TopicFollower<String, String> f = started(
                follower(handler, topic).pollTimeout(Duration.ofMinutes(10)).checkEvery(Duration.ofMinutes(10)));
        caughtUp(f);
        int before = handler.drains.size();

        f.nudge();

        await().atMost(WAIT).until(() -> handler.drains.size() > before);
        assertThat(f.status().state()).isEqualTo(FollowerState.FOLLOWING);
    }

    @Test
    void nudgesWhileRecordsArriveNeitherLoseNorRepeatARecord() throws Exception {
        String topic = TestTopics.create(3);
        RecordingHandler handler = new RecordingHandler();
        TopicFollower<String, String> f = started(follower(handler, topic));
        caughtUp(f);
        // A nudge every millisecond: it wakes polls and Kafka calls in the middle of batches.
        Thread nudger = Thread.ofPlatform().start(() -> {
            try {
                while (true) {
                    f.nudge();
                    Thread.sleep(1);
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        try {
            for (int i = 0; i < 600; i++) {
                topics.send(topic, i % 3, "k" + i, "v" + i);
            }
            f.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            nudger.interrupt();
            nudger.join();
        }

        assertThat(handler.deliveries).hasSize(600);
        assertThat(handler.deliveries.stream().map(RecordingHandler.Delivery::key))
                .doesNotHaveDuplicates();
    }

    @Test
    void closeWakesALongPollAndEndsTheThread() throws Exception {
        String topic = TestTopics.create(1);
        RecordingHandler handler = new RecordingHandler();
        // Were close() not to wake the poll, it would return after the close timeout with the thread alive.
        TopicFollower<String, String> f = started(
                follower(handler, topic).pollTimeout(Duration.ofMinutes(10)).closeTimeout(Duration.ofMinutes(2)));
        caughtUp(f);

        f.close();
        assertThat(f.status().state()).isEqualTo(FollowerState.CLOSED);
        assertThatThrownBy(() -> f.readToEnd().get())
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(CancellationException.class);
    }

    @Test
    void closeEndsABackoffAndCancelsWhatWaitsForTheBootstrap() {
        RecordingHandler handler = new RecordingHandler();
        TopicFollower<String, String> f = started(follower(handler, TestTopics.freshName())
                .requireTopics()
                .backoff(Duration.ofMinutes(10), Duration.ofMinutes(10))
                .closeTimeout(Duration.ofMinutes(2)));
        await().atMost(WAIT).until(() -> f.status().state() == FollowerState.RETRYING);

        f.close();
        assertThat(f.status().state()).isEqualTo(FollowerState.CLOSED);
        assertThatThrownBy(() -> f.caughtUp().get())
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(CancellationException.class);
    }

    @Test
    void deliversEachPartitionInOffsetOrder() throws Exception {
        String topic = TestTopics.create(2);
        for (int i = 0; i < 40; i++) {
            topics.send(topic, i % 2, "k" + i, "v");
        }
        RecordingHandler handler = new RecordingHandler();
        caughtUp(started(follower(handler, topic).consumerProperties(Map.of("max.poll.records", "3"))));

        Map<Integer, List<Long>> offsets = new HashMap<>();
        handler.deliveries.forEach(d ->
                offsets.computeIfAbsent(d.partition(), p -> new ArrayList<>()).add(d.offset()));
        assertThat(offsets.get(0)).isSorted().hasSize(20);
        assertThat(offsets.get(1)).isSorted().hasSize(20);
        assertThat(new HashSet<>(handler.keys())).hasSize(40);
    }
}
