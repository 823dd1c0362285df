package dev.tendril.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tendril.api.v1.EventEnvelope;
import dev.tendril.eventstore.quarkus.OutboxPublishingReadiness;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.SharedInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outbox relay against a real PostgreSQL and a real Kafka broker. */
class OutboxRelayTest {

    private DataSource dataSource;
    private EventStore store;
    private String topic;
    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final List<OutboxRelay> relays = new ArrayList<>();

    @BeforeEach
    void freshStoreAndTopic() {
        dataSource = TestDatabase.freshSchema();
        store = new EventStore(new Transactions(dataSource));
        topic = "test.events." + UUID.randomUUID();
    }

    @AfterEach
    void closeRelays() {
        relays.forEach(OutboxRelay::close);
    }

    @Test
    void publishesEveryCommittedEventInStreamOrderWithItsEnvelope() throws Exception {
        for (int round = 0; round < 10; round++) {
            for (String stream : List.of("counter/a", "counter/b", "counter/c")) {
                store.append(stream, round, List.of(Counter.event("Round" + round)));
            }
        }
        OutboxRelay relay = relay(config());
        while (relay.runOnce() > 0) {
            // drain
        }

        List<EventEnvelope> published = TopicReader.envelopes(topic, 30);
        assertThat(published).hasSize(30);
        Map<String, List<Long>> versionsByStream = published.stream()
                .collect(Collectors.groupingBy(
                        EventEnvelope::getStreamId,
                        LinkedHashMap::new,
                        Collectors.mapping(EventEnvelope::getVersion, Collectors.toList())));
        for (String stream : List.of("counter/a", "counter/b", "counter/c")) {
            assertThat(versionsByStream.get(stream)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        }
        EventEnvelope first = published.getFirst();
        StoredEvent stored = store.readStream(first.getStreamId()).getFirst();
        assertThat(first.getEventType()).isEqualTo("Round0");
        assertThat(first.getSchemaVersion()).isEqualTo(1);
        assertThat(first.getContentType()).isEqualTo(NewEvent.JSON);
        assertThat(first.getPosition()).isEqualTo(stored.position());
        assertThat(first.getSource()).isEqualTo("test");
        assertThat(first.getRecordedAt().getSeconds())
                .isEqualTo(stored.recordedAt().getEpochSecond());
        assertThat(meters.get("tendril_outbox_published_total").counter().count())
                .isEqualTo(30.0);
        assertThat(meters.get("tendril_outbox_lag_events").gauge().value()).isZero();
    }

    @Test
    void keysRecordsByStreamAndCarriesDedupAndOriginHeaders() {
        store.append(
                "counter/keyed",
                0,
                List.of(
                        Counter.event("One").withOrigin(new ChangeOrigin("admin", "req-1")),
                        Counter.event("Two").withOrigin(ChangeOrigin.system("test"))));
        relay(config()).start();

        List<ConsumerRecord<String, byte[]>> records = TopicReader.readAll(topic, 2, Duration.ofSeconds(60));
        assertThat(records).extracting(ConsumerRecord::key).containsExactly("counter/keyed", "counter/keyed");
        assertThat(records)
                .extracting(record -> header(record, OutboxRelay.HEADER_VERSION))
                .containsExactly("1", "2");
        assertThat(records)
                .extracting(record -> header(record, OutboxRelay.HEADER_STREAM))
                .containsOnly("counter/keyed");
        assertThat(records)
                .extracting(record -> header(record, OutboxRelay.HEADER_PRINCIPAL))
                .containsExactly("admin", "system:test");
        assertThat(header(records.getFirst(), OutboxRelay.HEADER_REQUEST_ID)).isEqualTo("req-1");
        assertThat(records.get(1).headers().lastHeader(OutboxRelay.HEADER_REQUEST_ID))
                .isNull();
    }

    /**
     * The outbox trap: transaction A takes the lower position but commits after transaction B. A poll
     * of "position > last published position" would publish B, move past A's position and never see A.
     */
    @Test
    void publishesATransactionThatCommitsAfterAHigherPositionWasVisible() throws Exception {
        OutboxRelay relay = relay(config());
        try (Connection a = dataSource.getConnection();
                Connection b = dataSource.getConnection()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            StoredEvent fromA = store.append(a, "stream/a", 0, List.of(Counter.event("FromA")))
                    .getFirst();
            StoredEvent fromB = store.append(b, "stream/b", 0, List.of(Counter.event("FromB")))
                    .getFirst();
            assertThat(fromA.position()).isLessThan(fromB.position());
            b.commit();

            // B is visible, but A is still open and could commit below it: B must wait.
            assertThat(relay.runOnce()).isZero();

            a.commit();
        }
        assertThat(relay.runOnce()).isEqualTo(2);
        assertThat(TopicReader.envelopes(topic, 2))
                .extracting(EventEnvelope::getEventType)
                .containsExactly("FromA", "FromB");
    }

    /** The mirror case: the late committer also started first, so it holds the smaller transaction id. */
    @Test
    void publishesALateCommitWhoseTransactionIdIsHigherThanThePublishedOne() throws Exception {
        OutboxRelay relay = relay(config());
        try (Connection early = dataSource.getConnection();
                Connection late = dataSource.getConnection()) {
            early.setAutoCommit(false);
            late.setAutoCommit(false);
            try (Statement takeId = early.createStatement()) {
                takeId.execute("SELECT pg_current_xact_id()");
            }
            // "late" has the larger id but the smaller position; "early" commits first.
            StoredEvent lowPosition = store.append(late, "stream/late", 0, List.of(Counter.event("Late")))
                    .getFirst();
            StoredEvent highPosition = store.append(early, "stream/early", 0, List.of(Counter.event("Early")))
                    .getFirst();
            assertThat(lowPosition.position()).isLessThan(highPosition.position());
            early.commit();

            assertThat(relay.runOnce()).isEqualTo(1);
            late.commit();
        }
        assertThat(relay.runOnce()).isEqualTo(1);
        assertThat(TopicReader.envelopes(topic, 2))
                .extracting(EventEnvelope::getEventType)
                .containsExactly("Early", "Late");
    }

    @Test
    void resumesFromItsCursorAfterACrashWithoutLosingAnEvent() throws Exception {
        for (int i = 1; i <= 40; i++) {
            store.append("stream/" + (i % 4), (i - 1) / 4, List.of(Counter.event("E" + i)));
        }
        OutboxRelay crashing = relay(config().withBatchSize(15));
        assertThat(crashing.runOnce()).isEqualTo(15);
        crashing.afterSendBeforeCursor(() -> {
            throw new IllegalStateException("simulated crash after Kafka acknowledged the batch");
        });
        assertThatThrownBy(crashing::runOnce).hasMessageContaining("simulated crash");
        crashing.close();

        for (int i = 41; i <= 60; i++) {
            store.append("stream/" + (i % 4), (i - 1) / 4, List.of(Counter.event("E" + i)));
        }
        OutboxRelay restarted = relay(config().withBatchSize(15));
        while (restarted.runOnce() > 0) {
            // drain
        }

        List<EventEnvelope> published = TopicReader.envelopes(topic, 60);
        Set<String> distinct = published.stream()
                .map(e -> e.getStreamId() + "@" + e.getVersion())
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(distinct).hasSize(60);
        // The batch sent before the crash is sent again (at least once), never skipped.
        assertThat(published).hasSize(75);
        assertInStreamOrderIgnoringRedelivery(published);
    }

    @Test
    void keepsAcceptingAppendsWhileKafkaIsDownAndDrainsWhenItReturns() throws Exception {
        OutboxRelay relay = relay(config().withMaxBackoff(Duration.ofMillis(500)));
        relay.start();
        store.append("stream/before", 0, List.of(Counter.event("Before")));
        await().atMost(Duration.ofSeconds(60)).until(() -> relay.status().publishedTotal() == 1);

        KafkaBroker kafka = SharedInfrastructure.kafka();
        kafka.stop();
        try {
            for (int i = 0; i < 50; i++) {
                store.append("stream/outage", i, List.of(Counter.event("During" + i)));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> relay.status().state() == RelayStatus.State.RETRYING);
            assertThat(relay.status().failuresTotal()).isPositive();
            assertThat(relay.status().lagEvents()).isEqualTo(50);
            assertThat(relay.status().failingSince()).isNotNull();
            assertThat(relay.status().stalledEvent())
                    .as("an outage is not a poison event")
                    .isNull();
        } finally {
            kafka.restart();
        }

        await().atMost(Duration.ofSeconds(90)).until(() -> relay.status().publishedTotal() >= 51);
        List<EventEnvelope> published = TopicReader.envelopes(topic, 51);
        Set<String> distinct = published.stream()
                .map(e -> e.getStreamId() + "@" + e.getVersion())
                .collect(Collectors.toSet());
        assertThat(distinct).hasSize(51);
        assertInStreamOrderIgnoringRedelivery(published);
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.status().state() == RelayStatus.State.PUBLISHING);
        assertThat(meters.get("tendril_outbox_failures_total").counter().count())
                .isPositive();
    }

    @Test
    void onlyOneRelayOfANamePublishesAtATime() throws Exception {
        store.append("stream/x", 0, List.of(Counter.event("X")));
        OutboxRelay leader = relay(config());
        OutboxRelay standby = relay(config());
        assertThat(leader.runOnce()).isEqualTo(1);
        assertThat(standby.runOnce()).isEqualTo(-1);
        leader.close();
        store.append("stream/x", 1, List.of(Counter.event("Y")));
        assertThat(standby.runOnce()).isEqualTo(1);
        assertThat(TopicReader.envelopes(topic, 2))
                .extracting(EventEnvelope::getEventType)
                .containsExactly("X", "Y");
    }

    @Test
    void aRelayThatFailedWhileHoldingTheLockIsNotFailingOnceAnotherPublishes() throws Exception {
        store.append("stream/x", 0, List.of(Counter.event("X")));
        // Its Kafka answers nothing: it takes the lock, fails to list the topics and lets the lock go.
        OutboxRelay unlucky = new OutboxRelay(
                dataSource,
                config(),
                Map.of(
                        "bootstrap.servers",
                        "127.0.0.1:" + closedPort(),
                        "request.timeout.ms",
                        1000,
                        "default.api.timeout.ms",
                        2000),
                meters);
        relays.add(unlucky);
        assertThatThrownBy(unlucky::runOnce).hasMessageContaining("cannot list topics");
        assertThat(unlucky.status().failingSince()).isNotNull();

        OutboxRelay leader = relay(config());
        assertThat(leader.runOnce()).isEqualTo(1);
        assertThat(unlucky.runOnce()).isEqualTo(-1);

        RelayStatus standby = unlucky.status();
        assertThat(standby.state()).isEqualTo(RelayStatus.State.STANDBY);
        assertThat(standby.failingSince())
                .as("a standby publishes nothing, so it is not failing to publish")
                .isNull();
        assertThat(standby.failuresTotal()).isEqualTo(1);
        assertThat(OutboxPublishingReadiness.publishing(
                        standby, Duration.ofSeconds(30), Instant.now().plus(Duration.ofMinutes(5))))
                .as("readiness of the standby, minutes after its failure")
                .isTrue();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void feedsACompactedStateTopicWithUpsertsAndTombstones() throws Exception {
        String stateTopic = "test.state." + UUID.randomUUID();
        StateProjection projection = new StateProjection() {
            @Override
            public Set<String> topics() {
                return Set.of(stateTopic);
            }

            @Override
            public List<StateRecord> project(StoredEvent event, Connection readModel) {
                String key = event.streamId();
                return List.of(
                        event.type().equals("Deleted")
                                ? StateRecord.tombstone(stateTopic, key)
                                : StateRecord.upsert(
                                        stateTopic, key, event.type().getBytes(StandardCharsets.UTF_8)));
            }
        };
        store.append("node/n1", 0, List.of(Counter.event("Registered")));
        store.append("node/n2", 0, List.of(Counter.event("Registered"), Counter.event("Deleted")));
        OutboxRelay relay = relay(config().withProjections(List.of(projection)));
        assertThat(relay.runOnce()).isEqualTo(3);

        List<ConsumerRecord<String, byte[]>> state = TopicReader.readAll(stateTopic, 3, Duration.ofSeconds(60));
        assertThat(state).extracting(ConsumerRecord::key).containsExactly("node/n1", "node/n2", "node/n2");
        assertThat(new String(state.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("Registered");
        assertThat(state.get(2).value()).isNull();
        try (Admin admin = Admin.create(
                Map.of("bootstrap.servers", SharedInfrastructure.kafka().bootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, stateTopic);
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    /**
     * An event its projection cannot encode (as an endpoint with a null label value once was) stops
     * the relay at that event, loudly: state STALLED naming it, the stalled gauge at 1, nothing after
     * it published (order matters to consumers). Once the cause is fixed it goes through, in order.
     */
    @Test
    void stallsLoudlyAtAnEventThatCannotBePublishedAndResumesInOrderOnceItCan() throws Exception {
        String stateTopic = "test.state." + UUID.randomUUID();
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(true);
        StateProjection projection = new StateProjection() {
            @Override
            public Set<String> topics() {
                return Set.of(stateTopic);
            }

            @Override
            public List<StateRecord> project(StoredEvent event, Connection readModel) {
                if (event.type().equals("Poison") && broken.get()) {
                    throw new NullPointerException("label value is null");
                }
                return List.of(StateRecord.upsert(
                        stateTopic, event.streamId(), event.type().getBytes(StandardCharsets.UTF_8)));
            }
        };
        store.append("endpoint/ok", 0, List.of(Counter.event("Before")));
        StoredEvent poison = store.append("endpoint/bad", 0, List.of(Counter.event("Poison")))
                .getFirst();
        store.append("endpoint/later", 0, List.of(Counter.event("After")));
        OutboxRelay relay = relay(config().withProjections(List.of(projection)).withMaxBackoff(Duration.ofMillis(200)));
        relay.start();

        await().atMost(Duration.ofSeconds(60)).until(() -> relay.status().state() == RelayStatus.State.STALLED);
        RelayStatus stalled = relay.status();
        assertThat(stalled.stalledEvent())
                .isEqualTo("endpoint/bad@1 (position " + poison.position() + ", type Poison)");
        assertThat(stalled.lastError()).contains("endpoint/bad@1").contains("label value is null");
        assertThat(stalled.failingSince()).isNotNull();
        assertThat(meters.get("tendril_outbox_stalled").gauge().value()).isEqualTo(1.0);
        assertThat(stalled.publishedTotal()).isZero();
        assertThat(stalled.lagEvents()).isEqualTo(3);

        broken.set(false);
        await().atMost(Duration.ofSeconds(60)).until(() -> relay.status().publishedTotal() == 3);
        assertThat(relay.status().state()).isEqualTo(RelayStatus.State.PUBLISHING);
        assertThat(relay.status().stalledEvent()).isNull();
        assertThat(relay.status().failingSince()).isNull();
        assertThat(meters.get("tendril_outbox_stalled").gauge().value()).isZero();
        assertThat(TopicReader.envelopes(topic, 3))
                .extracting(EventEnvelope::getEventType)
                .containsExactly("Before", "Poison", "After");
    }

    /**
     * A state topic damaged from outside (a tombstone for a live entity, a record for one that never
     * existed, a stale value) converges back to the service's state at the next audit; an intact
     * topic gets nothing republished.
     */
    @Test
    void auditRepairsAStateTopicDamagedFromOutsideAndLeavesAnIntactOneAlone() throws Exception {
        String stateTopic = "test.state." + UUID.randomUUID();
        StateProjection projection = new StateProjection() {
            @Override
            public Set<String> topics() {
                return Set.of(stateTopic);
            }

            @Override
            public List<StateRecord> project(StoredEvent event, Connection readModel) {
                return List.of(
                        event.type().equals("Deleted")
                                ? StateRecord.tombstone(stateTopic, event.streamId())
                                : StateRecord.upsert(
                                        stateTopic,
                                        event.streamId(),
                                        event.type().getBytes(StandardCharsets.UTF_8)));
            }
        };
        store.append("pod/a", 0, List.of(Counter.event("Running")));
        store.append("pod/b", 0, List.of(Counter.event("Running")));
        store.append("pod/c", 0, List.of(Counter.event("Running"), Counter.event("Deleted")));
        OutboxRelay relay = relay(config().withProjections(List.of(projection)));
        while (relay.runOnce() > 0) {
            // drain
        }
        assertThat(relay.auditOnce()).as("an intact topic").isZero();

        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(Map.of(
                "bootstrap.servers", SharedInfrastructure.kafka().bootstrapServers(),
                "key.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName(),
                "value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName()))) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(stateTopic, "pod/a", null))
                    .get();
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            stateTopic, "pod/b", "Stale".getBytes(StandardCharsets.UTF_8)))
                    .get();
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            stateTopic, "pod/ghost", "Running".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        store.append("pod/d", 0, List.of(Counter.event("Running")));
        while (relay.runOnce() > 0) {
            // the audit's expected state follows what the relay publishes after it was built
        }

        assertThat(relay.auditOnce()).isEqualTo(3);
        Map<String, String> state = new java.util.TreeMap<>();
        for (ConsumerRecord<String, byte[]> record : TopicReader.readAll(stateTopic, 11, Duration.ofSeconds(60))) {
            if (record.value() == null) {
                state.remove(record.key());
            } else {
                state.put(record.key(), new String(record.value(), StandardCharsets.UTF_8));
            }
        }
        assertThat(state)
                .containsExactly(
                        Map.entry("pod/a", "Running"), Map.entry("pod/b", "Running"), Map.entry("pod/d", "Running"));
        assertThat(meters.get("tendril_state_topic_repairs_total")
                        .tag("topic", stateTopic)
                        .counter()
                        .count())
                .isEqualTo(3.0);
        assertThat(relay.auditOnce()).as("repaired, so nothing more to do").isZero();
    }

    private OutboxRelayConfig config() {
        return OutboxRelayConfig.defaults("test", topic).withIdlePoll(Duration.ofMillis(20));
    }

    private OutboxRelay relay(OutboxRelayConfig config) {
        OutboxRelay relay = new OutboxRelay(
                dataSource,
                config,
                Map.of("bootstrap.servers", SharedInfrastructure.kafka().bootstrapServers()),
                meters);
        relays.add(relay);
        return relay;
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    /** Per stream, each first delivery of a version comes after the first delivery of the version before. */
    private static void assertInStreamOrderIgnoringRedelivery(List<EventEnvelope> published) {
        Map<String, Long> highest = new LinkedHashMap<>();
        for (EventEnvelope envelope : published) {
            long seen = highest.getOrDefault(envelope.getStreamId(), 0L);
            if (envelope.getVersion() > seen) {
                assertThat(envelope.getVersion())
                        .as("next new version of %s", envelope.getStreamId())
                        .isEqualTo(seen + 1);
                highest.put(envelope.getStreamId(), envelope.getVersion());
            }
        }
    }
}
