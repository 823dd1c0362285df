package dev.tendril.eventstore;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.tendril.api.v1.EventEnvelope;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The Kafka side of the outbox relay: the records it sends, and the producer that sends them. */
final class RelayRecords {

    private RelayRecords() {}

    /** The event-log record of a stored event: its envelope, keyed by stream, timestamped when recorded. */
    static ProducerRecord<String, byte[]> eventRecord(OutboxRelayConfig config, StoredEvent event) {
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
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                config.eventTopic(), null, event.recordedAt().toEpochMilli(), event.streamId(), envelope.toByteArray());
        addHeaders(record, event);
        return record;
    }

    /** A state-topic record, with the headers of the event that caused it (consumers deduplicate by them). */
    static ProducerRecord<String, byte[]> stateRecord(StoredEvent cause, StateRecord state) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(state.topic(), state.key(), state.value());
        addHeaders(record, cause);
        return record;
    }

    /** A state-topic record republished by an audit, marked with the relay that did. */
    static ProducerRecord<String, byte[]> repairRecord(String relay, StateRecord fix) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(fix.topic(), fix.key(), fix.value());
        record.headers().add(new RecordHeader(OutboxRelay.HEADER_REPAIR, relay.getBytes(StandardCharsets.UTF_8)));
        return record;
    }

    /**
     * Sends every record, flushes once and waits for every acknowledgement until one shared deadline.
     * The futures come back in record order, already completed, so a caller can tell which one failed.
     */
    static List<Future<RecordMetadata>> sendAll(
            Producer<String, byte[]> kafka, List<ProducerRecord<String, byte[]>> records, java.time.Duration timeout)
            throws InterruptedException, TimeoutException, IndexedSendException {
        List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
        for (ProducerRecord<String, byte[]> record : records) {
            acks.add(kafka.send(record));
        }
        kafka.flush();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw new IndexedSendException(i, e);
            }
        }
        return acks;
    }

    /** A send that Kafka refused, with the index of its record. */
    static final class IndexedSendException extends Exception {
        private final int index;

        IndexedSendException(int index, ExecutionException failure) {
            super(failure.getCause());
            this.index = index;
        }

        int index() {
            return index;
        }
    }

    /** An idempotent producer, acks=all, whose timeouts fit inside the relay's send timeout. */
    static Producer<String, byte[]> producer(OutboxRelayConfig config, Map<String, Object> kafkaProperties) {
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
        properties.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int)
                Math.max(6000, config.sendTimeout().toMillis()));
        properties.putIfAbsent(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        properties.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tendril-outbox-" + config.name());
        return new KafkaProducer<>(properties);
    }

    private static void addHeaders(ProducerRecord<String, byte[]> record, StoredEvent event) {
        record.headers()
                .add(new RecordHeader(
                        OutboxRelay.HEADER_STREAM, event.streamId().getBytes(StandardCharsets.UTF_8)))
                .add(new RecordHeader(
                        OutboxRelay.HEADER_VERSION,
                        Long.toString(event.version()).getBytes(StandardCharsets.UTF_8)))
                .add(new RecordHeader(OutboxRelay.HEADER_TYPE, event.type().getBytes(StandardCharsets.UTF_8)))
                .add(new RecordHeader(
                        OutboxRelay.HEADER_PRINCIPAL, event.origin().principal().getBytes(StandardCharsets.UTF_8)));
        if (event.origin().requestId() != null) {
            record.headers()
                    .add(new RecordHeader(
                            OutboxRelay.HEADER_REQUEST_ID,
                            event.origin().requestId().getBytes(StandardCharsets.UTF_8)));
        }
    }
}
