package dev.tendril.eventstore;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Makes the state topics converge back to the service's state: reads each topic back, compares it with
 * the state the published events imply, and republishes what differs (a tombstone written by hand, a
 * record lost to a misconfigured retention). The relay runs it on its own thread between batches, so
 * the topic and the expected state describe the same events.
 */
final class StateTopicRepair {

    /** The state records an event projects to, read through the relay's session. */
    @FunctionalInterface
    interface Projector {
        List<StateRecord> stateRecordsOf(StoredEvent event) throws SQLException, PoisonEventException;
    }

    private static final Logger LOG = Logger.getLogger(StateTopicRepair.class);
    private static final int REPLAY_PAGE = 5000;

    private final OutboxRelayConfig config;
    private final Map<String, Object> kafkaProperties;
    private final Set<String> stateTopics;
    private final MeterRegistry meters;
    private final AtomicLong repairs = new AtomicLong();
    private StateTopicAudit expected;

    StateTopicRepair(
            OutboxRelayConfig config,
            Map<String, Object> kafkaProperties,
            Set<String> stateTopics,
            MeterRegistry meters) {
        this.config = config;
        this.kafkaProperties = kafkaProperties;
        this.stateTopics = new TreeSet<>(stateTopics);
        this.meters = meters;
    }

    /** Records republished since start. */
    long repairsTotal() {
        return repairs.get();
    }

    /** What a batch just published: the expected state follows it (once an audit has built it). */
    void published(List<StateRecord> records) {
        if (expected != null) {
            records.forEach(expected::apply);
        }
    }

    /** One audit of every state topic up to {@code cursor}; returns how many records it republished. */
    int audit(OutboxLog log, OutboxLog.Cursor cursor, Projector projector, Producer<String, byte[]> kafka)
            throws Exception {
        if (expected == null) {
            expected = replay(log, cursor, projector);
        }
        int total = 0;
        for (String topic : stateTopics) {
            Map<String, byte[]> actual = StateTopicReader.read(kafkaProperties, topic, config.sendTimeout());
            List<StateRecord> fixes = expected.repairs(topic, actual);
            if (fixes.isEmpty()) {
                continue;
            }
            List<ProducerRecord<String, byte[]>> records = new ArrayList<>(fixes.size());
            fixes.forEach(fix -> records.add(RelayRecords.repairRecord(config.name(), fix)));
            try {
                RelayRecords.sendAll(kafka, records, config.sendTimeout());
            } catch (RelayRecords.IndexedSendException e) {
                throw new java.util.concurrent.ExecutionException(e.getCause());
            }
            Counter.builder("tendril_state_topic_repairs_total")
                    .description("Records republished because a state topic differed from the service's state")
                    .tag("relay", config.name())
                    .tag("topic", topic)
                    .register(meters)
                    .increment(fixes.size());
            repairs.addAndGet(fixes.size());
            total += fixes.size();
            LOG.warnf(
                    "outbox relay %s: state topic %s differed from the service's state in %d keys (first: %s); "
                            + "republished them",
                    config.name(),
                    topic,
                    fixes.size(),
                    fixes.stream().limit(5).map(StateRecord::key).toList());
        }
        return total;
    }

    /** The state the published events imply: every event up to the cursor through the projections. */
    private StateTopicAudit replay(OutboxLog log, OutboxLog.Cursor upTo, Projector projector)
            throws SQLException, PoisonEventException {
        StateTopicAudit replayed = new StateTopicAudit(stateTopics);
        OutboxLog.Cursor after = OutboxLog.Cursor.START;
        while (true) {
            List<OutboxLog.Row> page = log.between(after, upTo, REPLAY_PAGE);
            for (OutboxLog.Row row : page) {
                projector.stateRecordsOf(row.event()).forEach(replayed::apply);
            }
            if (page.size() < REPLAY_PAGE) {
                return replayed;
            }
            after = page.getLast().cursor();
        }
    }
}
