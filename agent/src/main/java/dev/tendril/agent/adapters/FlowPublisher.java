package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.probe.FlowRecords;
import dev.tendril.agent.probe.FlowSink;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.topics.KafkaClientSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Sends this node's flow records to {@code tendril.agent.flows-topic}, with what Hubble's parser adds to each
 * ({@link FlowRecords#finished}: summary, emitter, node labels), keyed by the node name (one node's
 * flows stay in order in one partition). Asynchronous: a probe waits at most {@code max.block.ms} for
 * the topic's metadata, never for the broker's acknowledgement. The producer is created at the first
 * flow, so an agent that is never probed opens no connection for it.
 */
@ApplicationScoped
public class FlowPublisher implements FlowSink {

    private static final Logger LOG = Logger.getLogger(FlowPublisher.class);
    private static final Duration MAX_BLOCK = Duration.ofSeconds(2);

    @Inject
    AgentConfig config;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "0.0.0")
    String version;

    private Counter emitted;
    private Counter failed;
    private KafkaProducer<String, byte[]> producer;
    private List<String> nodeLabels;

    @PostConstruct
    void init() {
        Map<String, String> labels = new TreeMap<>(config.nodeLabels());
        labels.putIfAbsent("kubernetes.io/hostname", config.nodeName());
        nodeLabels = labels.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .toList();
        emitted = Counter.builder("tendril.agent.flows.emitted")
                .description("Flow records the broker acknowledged on the flows topic")
                .register(registry);
        failed = Counter.builder("tendril.agent.flows.failed")
                .description("Flow records that could not be sent")
                .register(registry);
    }

    @Override
    public void emit(Flow record) {
        Flow flow = FlowRecords.finished(record, version, nodeLabels);
        try {
            // The record's timestamp is the flow's time: the flows service finds history with offsetsForTimes.
            long timestamp = flow.getTime().getSeconds() * 1000 + flow.getTime().getNanos() / 1_000_000;
            producer()
                    .send(
                            new ProducerRecord<>(
                                    config.flowsTopic(), null, timestamp, config.nodeName(), flow.toByteArray()),
                            (md, e) -> {
                                if (e == null) {
                                    emitted.increment();
                                } else {
                                    failed.increment();
                                    LOG.warnf(
                                            "flow record %s not sent to %s: %s",
                                            flow.getUuid(), config.flowsTopic(), e.toString());
                                }
                            });
        } catch (KafkaException e) {
            // The probe's answer does not depend on its record: count, log and go on.
            failed.increment();
            LOG.warnf("flow record %s not sent to %s: %s", flow.getUuid(), config.flowsTopic(), e.toString());
        }
    }

    /** Waits until every record sent so far is acknowledged or failed (tests). */
    public void flush() {
        producer().flush();
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> p = KafkaClientSettings.fromConfigWith(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "tendril-agent-flows-" + config.nodeName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) MAX_BLOCK.toMillis());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
