package dev.tendril.eventstore;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.tendril.api.v1.EventEnvelope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Publishes committed events to Kafka in commit order, at least once, and feeds the compacted state
 * topics from the same events.
 *
 * <p>Ordering and completeness: events are read in (transaction id, position) order, and only those
 * whose transaction is older than every transaction still running (the snapshot's xmin). A
 * transaction that took a lower position but commits after a higher one is therefore still ahead of
 * the cursor when it becomes visible, so it is published instead of skipped forever, which is what a
 * "position > cursor" poll does.
 *
 * <p>Delivery: a batch is sent, flushed and acknowledged (acks=all, idempotent producer) before the
 * cursor (a row in PostgreSQL) moves past it. A crash in between republishes the batch; consumers
 * deduplicate by (stream id, version), carried in the envelope and the record headers.
 *
 * <p>Failures: while Kafka or PostgreSQL is unreachable appends keep succeeding; the relay retries with
 * exponential backoff from its last cursor, using a fresh producer so nothing buffered by the failed
 * one can overtake the retry. Only one relay per name publishes at a time (a PostgreSQL advisory lock);
 * other replicas stand by.
 */
public final class OutboxRelay implements AutoCloseable {

    public static final String HEADER_STREAM = "tendril-stream";
    public static final String HEADER_VERSION = "tendril-version";
    public static final String HEADER_TYPE = "tendril-type";
    /** On records a state-topic audit republished: the relay that did. */
    public static final String HEADER_REPAIR = "tendril-repair";

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration LAG_REFRESH = Duration.ofSeconds(1);

    private final DataSource dataSource;
    private final OutboxRelayConfig config;
    private final Map<String, Object> kafkaProperties;
    private final Clock clock;
    private final Semaphore wakeUp = new Semaphore(0);
    private final AtomicReference<RelayStatus.State> state = new AtomicReference<>(RelayStatus.State.STARTING);
    private final AtomicLong lagEvents = new AtomicLong();
    private final AtomicLong lagMillis = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<Instant> lastErrorAt = new AtomicReference<>();
    private final AtomicReference<Instant> failingSince = new AtomicReference<>();
    private final AtomicReference<String> stalledEvent = new AtomicReference<>();
    private final Counter publishedCounter;
    private final Counter failureCounter;
    private final Set<String> stateTopics = new HashSet<>();

    private volatile boolean running;
    private Thread worker;
    private Connection connection;
    private Producer<String, byte[]> producer;
    private boolean topicsReady;
    private Cursor cursor;
    private Instant lagRefreshedAt = Instant.EPOCH;
    private Runnable afterSendBeforeCursor = () -> { };
    private final MeterRegistry meters;
    private final AtomicLong repairs = new AtomicLong();
    private StateTopicAudit audit;
    private Instant attemptStartedAt;
    private Instant nextAuditAt;

    public OutboxRelay(DataSource dataSource, OutboxRelayConfig config, Map<String, Object> kafkaProperties,
            MeterRegistry meters) {
        this(dataSource, config, kafkaProperties, meters, Clock.systemUTC());
    }

    OutboxRelay(DataSource dataSource, OutboxRelayConfig config, Map<String, Object> kafkaProperties,
            MeterRegistry meters, Clock clock) {
        this.dataSource = dataSource;
        this.config = config;
        this.kafkaProperties = Map.copyOf(kafkaProperties);
        this.clock = clock;
        this.meters = meters;
        this.nextAuditAt = clock.instant().plus(config.auditInterval());
        config.projections().forEach(projection -> stateTopics.addAll(projection.topics()));
        String relay = config.name();
        this.publishedCounter = Counter.builder("tendril_outbox_published_total")
                .description("Events published to Kafka by the outbox relay (at least once)")
                .tag("relay", relay).register(meters);
        this.failureCounter = Counter.builder("tendril_outbox_failures_total")
                .description("Failed publish attempts (Kafka or PostgreSQL unreachable), each retried")
                .tag("relay", relay).register(meters);
        Gauge.builder("tendril_outbox_stalled", stalledEvent, stalled -> stalled.get() == null ? 0 : 1)
                .description("1 while publishing is stopped at an event that cannot be published (a bug; see "
                        + "the relay's health check for the event)").tag("relay", relay).register(meters);
        Gauge.builder("tendril_outbox_lag_events", lagEvents, AtomicLong::get)
                .description("Committed events not yet published").tag("relay", relay).register(meters);
        Gauge.builder("tendril_outbox_lag_seconds", lagMillis, millis -> millis.get() / 1000.0)
                .description("Age of the oldest committed event not yet published").tag("relay", relay)
                .register(meters);
    }

    /** Starts the background publisher. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        worker = Thread.ofPlatform().name("outbox-relay-" + config.name()).daemon(true).start(this::run);
    }

    /** Publishes sooner than the next poll: called after a local commit. */
    public void wakeUp() {
        if (wakeUp.availablePermits() == 0) {
            wakeUp.release();
        }
    }

    public RelayStatus status() {
        return new RelayStatus(state.get(), published.get(), failures.get(), lagEvents.get(),
                lagMillis.get() / 1000.0, lastError.get(), lastErrorAt.get(), failingSince.get(), stalledEvent.get());
    }

    @Override
    public synchronized void close() {
        running = false;
        if (worker != null) {
            wakeUp.release();
            worker.interrupt();
            try {
                worker.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            worker = null;
        }
        disconnect();
        state.set(RelayStatus.State.STOPPED);
    }

    /**
     * One publishing round on the caller's thread, for deterministic tests: takes the lock if free and
     * publishes at most one batch. Returns how many events it published; -1 when another relay holds
     * the lock. Failures are thrown, and the connection and producer are dropped as the loop would.
     */
    int runOnce() throws Exception {
        attemptStartedAt = clock.instant();
        try {
            if (!holdsLock()) {
                return -1;
            }
            int count = publishBatch();
            recordSuccess();
            refreshLag(true);
            return count;
        } catch (Exception e) {
            recordFailure(e);
            disconnect();
            throw e;
        }
    }

    /** Test seam: runs after a batch was acknowledged by Kafka and before the cursor moves. */
    void afterSendBeforeCursor(Runnable hook) {
        this.afterSendBeforeCursor = hook;
    }

    private void run() {
        Duration backoff = MIN_BACKOFF;
        while (running) {
            attemptStartedAt = clock.instant();
            try {
                if (!holdsLock()) {
                    state.set(RelayStatus.State.STANDBY);
                    idle(config.idlePoll().multipliedBy(10));
                    continue;
                }
                int count = publishBatch();
                recordSuccess();
                backoff = MIN_BACKOFF;
                refreshLag(false);
                if (count < config.batchSize()) {
                    auditIfDue();
                    idle(config.idlePoll());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception | LinkageError e) {
                if (!running) {
                    return;
                }
                recordFailure(e);
                disconnect();
                try {
                    idle(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(config.maxBackoff()) > 0
                        ? config.maxBackoff() : backoff.multipliedBy(2);
            }
        }
    }

    private void idle(Duration duration) throws InterruptedException {
        if (wakeUp.tryAcquire(duration.toNanos(), TimeUnit.NANOSECONDS)) {
            wakeUp.drainPermits();
        }
    }

    private void recordSuccess() {
        state.set(RelayStatus.State.PUBLISHING);
        failingSince.set(null);
        if (stalledEvent.getAndSet(null) != null) {
            LOG.infof("outbox relay %s: the stalled event went through; publishing again", config.name());
        }
    }

    private void recordFailure(Throwable e) {
        failures.incrementAndGet();
        failureCounter.increment();
        // From the start of the attempt that failed: a send that hangs until its timeout counts as failing all along.
        failingSince.compareAndSet(null, attemptStartedAt == null ? clock.instant() : attemptStartedAt);
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        RelayStatus.State next = RelayStatus.State.RETRYING;
        if (e instanceof PoisonEventException poison) {
            next = RelayStatus.State.STALLED;
            message = poison.getMessage();
            if (!poison.event().equals(stalledEvent.getAndSet(poison.event()))) {
                LOG.errorf(poison.getCause(), "outbox relay %s: publishing STALLED: %s. Nothing after it is published "
                        + "until it goes through; readiness is DOWN.", config.name(), message);
            }
        } else {
            stalledEvent.set(null);
            if (!message.equals(lastError.get())) {
                LOG.warnf("outbox relay %s: publish failed, retrying with backoff: %s", config.name(), message);
            }
        }
        lastError.set(message);
        lastErrorAt.set(clock.instant());
        try {
            if (connection != null && cursor != null && !connection.isClosed()) {
                refreshLag(true);
            }
        } catch (SQLException ignored) {
            // lag stays at its last value while the database is unreachable
        }
        // Last, so that whoever sees the new state also sees the error and lag that go with it.
        state.set(next);
    }

    /** Takes (or confirms) the relay's session-level advisory lock, opening the connection if needed. */
    private boolean holdsLock() throws SQLException {
        if (connection != null) {
            return true;
        }
        Connection candidate = dataSource.getConnection();
        candidate.setAutoCommit(true);
        try (PreparedStatement lock = candidate.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
            lock.setString(1, "tendril-outbox-relay/" + config.name());
            try (ResultSet row = lock.executeQuery()) {
                row.next();
                if (!row.getBoolean(1)) {
                    candidate.close();
                    return false;
                }
            }
        } catch (SQLException e) {
            candidate.close();
            throw e;
        }
        connection = candidate;
        cursor = loadCursor();
        return true;
    }

    private int publishBatch() throws Exception {
        if (!topicsReady) {
            KafkaTopics.ensure(kafkaProperties, config.eventTopic(), stateTopics, 1);
            topicsReady = true;
        }
        List<Row> batch = readSettledAfterCursor();
        if (batch.isEmpty()) {
            return 0;
        }
        // Every record is built before any is sent: a poison event sends nothing of its batch.
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(batch.size() * 2);
        List<StoredEvent> recordEvents = new ArrayList<>(batch.size() * 2);
        List<StateRecord> publishedState = new ArrayList<>();
        for (Row row : batch) {
            records.add(eventRecordOf(row.event()));
            recordEvents.add(row.event());
            for (StateRecord state : stateRecordsOf(row.event())) {
                records.add(stateRecord(row.event(), state));
                recordEvents.add(row.event());
                publishedState.add(state);
            }
        }
        Producer<String, byte[]> kafka = producer();
        List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
        for (ProducerRecord<String, byte[]> record : records) {
            acks.add(kafka.send(record));
        }
        kafka.flush();
        long deadline = System.nanoTime() + config.sendTimeout().toNanos();
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RecordTooLargeException || e.getCause() instanceof SerializationException) {
                    throw new PoisonEventException(recordEvents.get(i), e.getCause());
                }
                throw e;
            }
        }
        afterSendBeforeCursor.run();
        Row last = batch.getLast();
        saveCursor(new Cursor(last.txId(), last.event().position()));
        if (audit != null) {
            publishedState.forEach(audit::apply);
        }
        this.published.addAndGet(batch.size());
        publishedCounter.increment(batch.size());
        return batch.size();
    }

    private List<Row> readSettledAfterCursor() throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT tx_id::text AS tx, position, stream_id, version, event_type, schema_version, content_type, "
                        + "payload, recorded_at FROM events "
                        + "WHERE (tx_id, position) > (?::xid8, ?) "
                        + "AND tx_id < pg_snapshot_xmin(pg_current_snapshot()) "
                        + "ORDER BY tx_id, position LIMIT ?")) {
            select.setString(1, Long.toUnsignedString(cursor.txId()));
            select.setLong(2, cursor.position());
            select.setInt(3, config.batchSize());
            List<Row> rows = new ArrayList<>();
            try (ResultSet result = select.executeQuery()) {
                while (result.next()) {
                    rows.add(new Row(Long.parseUnsignedLong(result.getString("tx")), EventStore.readEvent(result)));
                }
            }
            return rows;
        }
    }

    /*
     * The event-log record and the state-topic records of one event. A failure here that is not the
     * database's is the event's own fault: retrying cannot cure it, so it is reported as poison.
     */
    private ProducerRecord<String, byte[]> eventRecordOf(StoredEvent event) throws PoisonEventException {
        try {
            return eventRecord(event);
        } catch (RuntimeException e) {
            throw new PoisonEventException(event, e);
        }
    }

    private List<StateRecord> stateRecordsOf(StoredEvent event) throws SQLException, PoisonEventException {
        try {
            List<StateRecord> records = new ArrayList<>(1);
            for (StateProjection projection : config.projections()) {
                records.addAll(projection.project(event, connection));
            }
            return records;
        } catch (SQLException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PoisonEventException(event, e);
        }
    }

    private void auditIfDue() {
        if (stateTopics.isEmpty() || config.auditInterval().isZero() || clock.instant().isBefore(nextAuditAt)) {
            return;
        }
        nextAuditAt = clock.instant().plus(config.auditInterval());
        try {
            auditStateTopics();
        } catch (Exception e) {
            Counter.builder("tendril_state_topic_audit_failures_total")
                    .description("State-topic audits that could not finish (retried at the next interval)")
                    .tag("relay", config.name()).register(meters).increment();
            LOG.warnf("outbox relay %s: state-topic audit failed, next in %s: %s", config.name(),
                    config.auditInterval(), e.toString());
        }
    }

    /**
     * Reads every state topic back and publishes what differs from the state the relay has published,
     * so consumers converge back to the service's state. Runs on the relay's thread between batches:
     * nothing is published meanwhile, so the topic and the expected state describe the same events.
     * Returns how many records it republished.
     */
    int auditStateTopics() throws Exception {
        if (audit == null) {
            audit = replayPublishedState();
        }
        int total = 0;
        for (String topic : new java.util.TreeSet<>(stateTopics)) {
            Map<String, byte[]> actual = StateTopicReader.read(kafkaProperties, topic, config.sendTimeout());
            List<StateRecord> fixes = audit.repairs(topic, actual);
            if (fixes.isEmpty()) {
                continue;
            }
            Producer<String, byte[]> kafka = producer();
            List<Future<RecordMetadata>> acks = new ArrayList<>(fixes.size());
            for (StateRecord fix : fixes) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(fix.topic(), fix.key(), fix.value());
                record.headers().add(new RecordHeader(HEADER_REPAIR, config.name().getBytes(StandardCharsets.UTF_8)));
                acks.add(kafka.send(record));
            }
            kafka.flush();
            long deadline = System.nanoTime() + config.sendTimeout().toNanos();
            for (Future<RecordMetadata> ack : acks) {
                ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            Counter.builder("tendril_state_topic_repairs_total")
                    .description("Records republished because a state topic differed from the service's state")
                    .tag("relay", config.name()).tag("topic", topic).register(meters).increment(fixes.size());
            repairs.addAndGet(fixes.size());
            total += fixes.size();
            LOG.warnf("outbox relay %s: state topic %s differed from the service's state in %d keys (first: %s); "
                    + "republished them", config.name(), topic, fixes.size(),
                    fixes.stream().limit(5).map(StateRecord::key).toList());
        }
        return total;
    }

    /** The state the published events imply: every event up to the cursor through the projections. */
    private StateTopicAudit replayPublishedState() throws SQLException, PoisonEventException {
        StateTopicAudit replayed = new StateTopicAudit(stateTopics);
        Cursor after = new Cursor(0, 0);
        while (true) {
            List<Row> page = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT tx_id::text AS tx, position, stream_id, version, event_type, schema_version, content_type, "
                            + "payload, recorded_at FROM events "
                            + "WHERE (tx_id, position) > (?::xid8, ?) AND (tx_id, position) <= (?::xid8, ?) "
                            + "ORDER BY tx_id, position LIMIT 5000")) {
                select.setString(1, Long.toUnsignedString(after.txId()));
                select.setLong(2, after.position());
                select.setString(3, Long.toUnsignedString(cursor.txId()));
                select.setLong(4, cursor.position());
                try (ResultSet result = select.executeQuery()) {
                    while (result.next()) {
                        page.add(new Row(Long.parseUnsignedLong(result.getString("tx")), EventStore.readEvent(result)));
                    }
                }
            }
            for (Row row : page) {
                stateRecordsOf(row.event()).forEach(replayed::apply);
            }
            if (page.size() < 5000) {
                return replayed;
            }
            after = new Cursor(page.getLast().txId(), page.getLast().event().position());
        }
    }

    /** Records republished by state-topic audits since start. */
    long repairsTotal() {
        return repairs.get();
    }

    /** Test seam: one audit now, on the caller's thread (the relay must not be running). */
    int auditOnce() throws Exception {
        if (!holdsLock()) {
            return -1;
        }
        return auditStateTopics();
    }

    private ProducerRecord<String, byte[]> eventRecord(StoredEvent event) {
        EventEnvelope envelope = EventEnvelope.newBuilder()
                .setStreamId(event.streamId())
                .setVersion(event.version())
                .setPosition(event.position())
                .setEventType(event.type())
                .setSchemaVersion(event.schemaVersion())
                .setContentType(event.contentType())
                .setPayload(ByteString.copyFrom(event.payload()))
                .setRecordedAt(Timestamp.newBuilder()
                        .setSeconds(event.recordedAt().getEpochSecond())
                        .setNanos(event.recordedAt().getNano()))
                .setSource(config.source())
                .build();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(config.eventTopic(), null,
                event.recordedAt().toEpochMilli(), event.streamId(), envelope.toByteArray());
        addHeaders(record, event);
        return record;
    }

    private static ProducerRecord<String, byte[]> stateRecord(StoredEvent cause, StateRecord state) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(state.topic(), state.key(), state.value());
        addHeaders(record, cause);
        return record;
    }

    private static void addHeaders(ProducerRecord<String, byte[]> record, StoredEvent event) {
        record.headers()
                .add(new RecordHeader(HEADER_STREAM, event.streamId().getBytes(StandardCharsets.UTF_8)))
                .add(new RecordHeader(HEADER_VERSION,
                        Long.toString(event.version()).getBytes(StandardCharsets.UTF_8)))
                .add(new RecordHeader(HEADER_TYPE, event.type().getBytes(StandardCharsets.UTF_8)));
    }

    private Producer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> properties = new HashMap<>(kafkaProperties);
            properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            properties.put(ProducerConfig.ACKS_CONFIG, "all");
            properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            properties.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
            // A relay round is one flush: with Kafka's 16 KiB default a 1,000-event round becomes many
            // sequential batches and the relay falls behind writers (docs/BENCHMARKS.md).
            properties.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
            properties.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
            properties.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
            properties.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                    (int) Math.max(6000, config.sendTimeout().toMillis()));
            properties.putIfAbsent(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
            properties.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tendril-outbox-" + config.name());
            producer = new KafkaProducer<>(properties);
        }
        return producer;
    }

    private Cursor loadCursor() throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT tx_id::text, position FROM outbox_cursors WHERE relay = ?")) {
            select.setString(1, config.name());
            try (ResultSet row = select.executeQuery()) {
                if (row.next()) {
                    return new Cursor(Long.parseUnsignedLong(row.getString(1)), row.getLong(2));
                }
            }
        }
        return new Cursor(0, 0);
    }

    private void saveCursor(Cursor next) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement(
                "INSERT INTO outbox_cursors (relay, tx_id, position, updated_at) VALUES (?, ?::xid8, ?, now()) "
                        + "ON CONFLICT (relay) DO UPDATE SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position, "
                        + "updated_at = EXCLUDED.updated_at")) {
            upsert.setString(1, config.name());
            upsert.setString(2, Long.toUnsignedString(next.txId()));
            upsert.setLong(3, next.position());
            upsert.executeUpdate();
        }
        cursor = next;
    }

    private void refreshLag(boolean force) throws SQLException {
        Instant now = clock.instant();
        if (!force && Duration.between(lagRefreshedAt, now).compareTo(LAG_REFRESH) < 0) {
            return;
        }
        lagRefreshedAt = now;
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT count(*), min(recorded_at) FROM events WHERE (tx_id, position) > (?::xid8, ?)")) {
            select.setString(1, Long.toUnsignedString(cursor.txId()));
            select.setLong(2, cursor.position());
            try (ResultSet row = select.executeQuery()) {
                row.next();
                lagEvents.set(row.getLong(1));
                java.sql.Timestamp oldest = row.getTimestamp(2);
                lagMillis.set(oldest == null ? 0 : Math.max(0, Duration.between(oldest.toInstant(), now).toMillis()));
            }
        }
    }

    private void disconnect() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debugf(e, "closing producer of relay %s", config.name());
            }
            producer = null;
        }
        if (connection != null) {
            try (Statement unlock = connection.createStatement()) {
                unlock.execute("SELECT pg_advisory_unlock_all()");
            } catch (SQLException ignored) {
                // the lock goes with the session anyway
            }
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
        topicsReady = false;
    }

    private record Cursor(long txId, long position) {
    }

    private record Row(long txId, StoredEvent event) {
    }
}
