package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.probe.FlowRecords;
import dev.tendril.agent.probe.FlowSink;
import dev.tendril.agent.probe.SendWindow;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.LostEvent;
import dev.tendril.api.hubble.flow.LostEventSource;
import dev.tendril.topics.FlowTopicRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Sends this node's flow records to the {@code flows} channel (the flows topic, {@code mp.messaging.outgoing.flows.*}
 * in application.properties), with what Hubble's parser adds to each ({@link FlowRecords#finished}: summary, emitter,
 * node labels), keyed by the node name (one node's flows stay in order in one partition) and stamped with the flow's
 * time. Never blocks the datapath's reporting: at most {@code tendril.agent.flows-queue} records wait for the broker's
 * acknowledgement ({@link SendWindow}); a flow beyond that is dropped and counted in
 * {@code tendril_agent_flows_lost_total}, and the count follows on the same channel as a Hubble {@code LostEvent}
 * (source {@code OBSERVER_EVENTS_QUEUE}, header {@value FlowTopicRecords#LOST_EVENTS_HEADER}) once there is room, so
 * {@code tendril observe status} shows it. The Kafka producer is made at the first flow ({@code lazy-client}).
 */
@ApplicationScoped
public class FlowPublisher implements FlowSink {

    private static final Logger LOG = Logger.getLogger(FlowPublisher.class);

    @Inject
    AgentConfig config;

    @Inject
    MeterRegistry registry;

    // The window below bounds what waits; the emitter's own buffer never holds more than it.
    @Inject
    @Channel("flows")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    Emitter<byte[]> flows;

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "0.0.0")
    String version;

    private Counter emitted;
    private Counter failed;
    private Counter lost;
    private SendWindow window;
    private List<String> nodeLabels;

    @PostConstruct
    void init() {
        Map<String, String> labels = new TreeMap<>(config.nodeLabels());
        labels.putIfAbsent("kubernetes.io/hostname", config.nodeName());
        nodeLabels = labels.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .toList();
        window = new SendWindow(config.flowsQueue());
        emitted = Counter.builder("tendril.agent.flows.emitted")
                .description("Flow records the broker acknowledged on the flows topic")
                .register(registry);
        failed = Counter.builder("tendril.agent.flows.failed")
                .description("Flow records that could not be sent")
                .register(registry);
        lost = Counter.builder("tendril.agent.flows.lost")
                .description("Flow records dropped because tendril.agent.flows-queue records awaited the broker")
                .register(registry);
        Gauge.builder("tendril.agent.flows.queued", window, SendWindow::inFlight)
                .description("Flow records sent and not yet acknowledged by the broker")
                .register(registry);
    }

    @Override
    public void emit(Flow record) {
        reportLost();
        if (!window.tryAcquire()) {
            lost.increment();
            return;
        }
        Flow flow = FlowRecords.finished(record, version, nodeLabels);
        // The record's timestamp is the flow's time: the flows service finds history with offsetsForTimes.
        Instant time = Instant.ofEpochSecond(
                flow.getTime().getSeconds(), flow.getTime().getNanos());
        send(flow.toByteArray(), time, new RecordHeaders(), () -> emitted.increment(), e -> {
            failed.increment();
            LOG.warnf("flow record %s not sent to %s: %s", flow.getUuid(), config.flowsTopic(), e.toString());
        });
    }

    /** Flows dropped because the window was full, since start. */
    public long lost() {
        return window.lost();
    }

    /** Waits until every record sent so far is acknowledged or failed (tests), and the losses are reported. */
    public void flush() {
        try {
            for (int i = 0; i < 3; i++) {
                window.awaitEmpty(Duration.ofSeconds(30));
                reportLost();
            }
            window.awaitEmpty(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void reportLost() {
        long count = window.takeUnreported();
        if (count == 0) {
            return;
        }
        byte[] event = LostEvent.newBuilder()
                .setSource(LostEventSource.OBSERVER_EVENTS_QUEUE)
                .setNumEventsLost(count)
                .build()
                .toByteArray();
        RecordHeaders headers = new RecordHeaders();
        headers.add(FlowTopicRecords.LOST_EVENTS_HEADER, new byte[0]);
        send(event, Instant.now(), headers, () -> {}, e -> {
            window.unreported(count);
            LOG.warnf("lost-events record (%d flows) not sent to %s: %s", count, config.flowsTopic(), e.toString());
        });
    }

    /** Sends with a slot already taken in the window; the slot is freed when the broker answers. */
    private void send(
            byte[] value,
            Instant time,
            RecordHeaders headers,
            Runnable acked,
            java.util.function.Consumer<Throwable> nacked) {
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(config.nodeName())
                .withTimestamp(time)
                .withHeaders(headers)
                .build();
        Message<byte[]> message = Message.of(value)
                .addMetadata(metadata)
                .withAck(() -> {
                    window.release();
                    acked.run();
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(e -> {
                    window.release();
                    nacked.accept(e);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            flows.send(message);
        } catch (RuntimeException e) {
            // The channel refused it (stopping, or failed): the probe's answer does not depend on its record.
            window.release();
            nacked.accept(e);
        }
    }
}
