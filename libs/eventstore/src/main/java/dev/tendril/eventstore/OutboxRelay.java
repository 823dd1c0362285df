package dev.tendril.eventstore;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
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
    /** Who caused the event ({@link ChangeOrigin#principal()}), on event-log and state records. */
    public static final String HEADER_PRINCIPAL = "tendril-principal";
    /** The request that caused the event, when there was one. */
    public static final String HEADER_REQUEST_ID = "tendril-request-id";
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
    private final RelayProgress progress;
    private final Set<String> stateTopics = new HashSet<>();

    private volatile boolean running;
    private Thread worker;
    private OutboxLog log;
    private Producer<String, byte[]> producer;
    private boolean topicsReady;
    private OutboxLog.Cursor cursor;
    private Instant lagRefreshedAt = Instant.EPOCH;
    private Runnable afterSendBeforeCursor = () -> {};
    private final MeterRegistry meters;
    private final StateTopicRepair repair;
    private Instant attemptStartedAt;
    private Instant nextAuditAt;

    public OutboxRelay(
            DataSource dataSource,
            OutboxRelayConfig config,
            Map<String, Object> kafkaProperties,
            MeterRegistry meters) {
        this(dataSource, config, kafkaProperties, meters, Clock.systemUTC());
    }

    OutboxRelay(
            DataSource dataSource,
            OutboxRelayConfig config,
            Map<String, Object> kafkaProperties,
            MeterRegistry meters,
            Clock clock) {
        this.dataSource = dataSource;
        this.config = config;
        this.kafkaProperties = Map.copyOf(kafkaProperties);
        this.clock = clock;
        this.meters = meters;
        this.nextAuditAt = clock.instant().plus(config.auditInterval());
        config.projections().forEach(projection -> stateTopics.addAll(projection.topics()));
        this.repair = new StateTopicRepair(config, this.kafkaProperties, stateTopics, meters);
        this.progress = new RelayProgress(config.name(), meters);
    }

    /** Starts the background publisher. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        worker = Thread.ofPlatform()
                .name("outbox-relay-" + config.name())
                .daemon(true)
                .start(this::run);
    }

    /** Publishes sooner than the next poll: called after a local commit. */
    public void wakeUp() {
        if (wakeUp.availablePermits() == 0) {
            wakeUp.release();
        }
    }

    public RelayStatus status() {
        return progress.status();
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
        progress.state(RelayStatus.State.STOPPED);
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
                progress.standby();
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
                    progress.standby();
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
                        ? config.maxBackoff()
                        : backoff.multipliedBy(2);
            }
        }
    }

    private void idle(Duration duration) throws InterruptedException {
        if (wakeUp.tryAcquire(duration.toNanos(), TimeUnit.NANOSECONDS)) {
            wakeUp.drainPermits();
        }
    }

    private void recordSuccess() {
        progress.succeeded();
    }

    private void recordFailure(Throwable e) {
        RelayStatus.State next = progress.failed(e, attemptStartedAt, clock.instant());
        try {
            if (log != null && cursor != null && log.isOpen()) {
                refreshLag(true);
            }
        } catch (SQLException ignored) {
            // lag stays at its last value while the database is unreachable
        }
        // Last, so that whoever sees the new state also sees the error and lag that go with it.
        progress.state(next);
    }

    /** Takes (or confirms) the relay's session-level advisory lock, opening the session if needed. */
    private boolean holdsLock() throws SQLException {
        if (log != null) {
            return true;
        }
        Optional<OutboxLog> locked = OutboxLog.lock(dataSource, config.name());
        if (locked.isEmpty()) {
            return false;
        }
        log = locked.get();
        cursor = log.loadCursor();
        return true;
    }

    private int publishBatch() throws Exception {
        if (!topicsReady) {
            KafkaTopics.ensure(kafkaProperties, config.eventTopic(), stateTopics, 1);
            topicsReady = true;
        }
        List<OutboxLog.Row> batch = log.settledAfter(cursor, config.batchSize());
        if (batch.isEmpty()) {
            return 0;
        }
        // Every record is built before any is sent: a poison event sends nothing of its batch.
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(batch.size() * 2);
        List<StoredEvent> recordEvents = new ArrayList<>(batch.size() * 2);
        List<StateRecord> publishedState = new ArrayList<>();
        for (OutboxLog.Row row : batch) {
            records.add(eventRecordOf(row.event()));
            recordEvents.add(row.event());
            for (StateRecord state : stateRecordsOf(row.event())) {
                records.add(RelayRecords.stateRecord(row.event(), state));
                recordEvents.add(row.event());
                publishedState.add(state);
            }
        }
        try {
            RelayRecords.sendAll(producer(), records, config.sendTimeout());
        } catch (RelayRecords.IndexedSendException e) {
            if (e.getCause() instanceof RecordTooLargeException || e.getCause() instanceof SerializationException) {
                throw new PoisonEventException(recordEvents.get(e.index()), e.getCause());
            }
            throw new java.util.concurrent.ExecutionException(e.getCause());
        }
        afterSendBeforeCursor.run();
        OutboxLog.Cursor next = batch.getLast().cursor();
        log.saveCursor(next);
        cursor = next;
        repair.published(publishedState);
        progress.published(batch.size());
        return batch.size();
    }

    /*
     * The event-log record and the state-topic records of one event. A failure here that is not the
     * database's is the event's own fault: retrying cannot cure it, so it is reported as poison.
     */
    private ProducerRecord<String, byte[]> eventRecordOf(StoredEvent event) throws PoisonEventException {
        try {
            return RelayRecords.eventRecord(config, event);
        } catch (RuntimeException e) {
            throw new PoisonEventException(event, e);
        }
    }

    private List<StateRecord> stateRecordsOf(StoredEvent event) throws SQLException, PoisonEventException {
        try {
            List<StateRecord> records = new ArrayList<>(1);
            for (StateProjection projection : config.projections()) {
                records.addAll(projection.project(event, log.connection()));
            }
            return records;
        } catch (SQLException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PoisonEventException(event, e);
        }
    }

    private void auditIfDue() {
        if (stateTopics.isEmpty()
                || config.auditInterval().isZero()
                || clock.instant().isBefore(nextAuditAt)) {
            return;
        }
        nextAuditAt = clock.instant().plus(config.auditInterval());
        try {
            auditStateTopics();
        } catch (Exception e) {
            Counter.builder("tendril_state_topic_audit_failures_total")
                    .description("State-topic audits that could not finish (retried at the next interval)")
                    .tag("relay", config.name())
                    .register(meters)
                    .increment();
            LOG.warnf(
                    "outbox relay %s: state-topic audit failed, next in %s: %s",
                    config.name(), config.auditInterval(), e.toString());
        }
    }

    /**
     * Reads every state topic back and publishes what differs from the state the relay has published,
     * so consumers converge back to the service's state. Returns how many records it republished.
     */
    int auditStateTopics() throws Exception {
        return repair.audit(log, cursor, this::stateRecordsOf, producer());
    }

    /** Records republished by state-topic audits since start. */
    long repairsTotal() {
        return repair.repairsTotal();
    }

    /** Test seam: one audit now, on the caller's thread (the relay must not be running). */
    int auditOnce() throws Exception {
        if (!holdsLock()) {
            return -1;
        }
        return auditStateTopics();
    }

    private Producer<String, byte[]> producer() {
        if (producer == null) {
            producer = RelayRecords.producer(config, kafkaProperties);
        }
        return producer;
    }

    private void refreshLag(boolean force) throws SQLException {
        Instant now = clock.instant();
        if (!force && Duration.between(lagRefreshedAt, now).compareTo(LAG_REFRESH) < 0) {
            return;
        }
        lagRefreshedAt = now;
        OutboxLog.Lag lag = log.lagAfter(cursor);
        progress.lag(lag.events(), OutboxLog.millisSince(lag.oldestRecordedAt(), now));
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
        if (log != null) {
            log.close();
            log = null;
        }
        topicsReady = false;
    }
}
