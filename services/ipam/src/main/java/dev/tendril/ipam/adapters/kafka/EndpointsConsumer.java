package dev.tendril.ipam.adapters.kafka;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.ipam.adapters.wiring.IpamConfig;
import dev.tendril.ipam.app.IpamService;
import dev.tendril.ipam.app.LeakDetector;
import dev.tendril.ipam.app.LeakDetector.EndpointRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Reads the identity service's compacted {@code tendril.endpoints} from the beginning into memory
 * (every replica keeps its own view; no consumer group) and follows it. An endpoint confirms its
 * pod's addresses, so they no longer expire. A record that does not parse is logged, counted in
 * {@code tendril_ipam_bad_endpoint_records_total} and skipped.
 */
@ApplicationScoped
public class EndpointsConsumer {

    private static final Logger LOG = Logger.getLogger(EndpointsConsumer.class);

    @Inject
    IpamConfig config;

    @Inject
    IpamService ipam;

    @Inject
    MeterRegistry meters;

    @Inject
    Clock clock;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "127.0.0.1:9092")
    String bootstrapServers;

    private final Map<String, EndpointRef> endpoints = new ConcurrentHashMap<>();
    private volatile boolean caughtUp;
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;
    private Counter badRecords;
    private LeakDetector detector;

    void onStart(@Observes StartupEvent event) {
        badRecords = meters.counter("tendril_ipam_bad_endpoint_records_total");
        detector = new LeakDetector(config.leaks().grace());
        running = true;
        thread = Thread.ofPlatform().name("ipam-endpoints").daemon().start(this::run);
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    public Collection<EndpointRef> endpoints() {
        return endpoints.values();
    }

    public List<LeakDetector.Leak> leaks() {
        return detector.leaks(ipam.allAllocations(), endpoints.values(), clock.instant());
    }

    private void run() {
        while (running) {
            try {
                consume();
            } catch (WakeupException stop) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("endpoint consumer failed, restarting in 1 s: %s", e.toString());
                sleep(1000);
            }
        }
    }

    private void consume() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, byte[]> kafka = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = kafka;
            String topic = config.leaks().endpointsTopic();
            List<PartitionInfo> infos = kafka.partitionsFor(topic, Duration.ofSeconds(10));
            while (running && (infos == null || infos.isEmpty())) {
                // The identity service creates the topic; until it exists there are no endpoints.
                caughtUp = true;
                sleep(2000);
                infos = kafka.partitionsFor(topic, Duration.ofSeconds(10));
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            kafka.assign(partitions);
            kafka.seekToBeginning(partitions);
            endpoints.clear();
            caughtUp = false;
            Map<TopicPartition, Long> end = kafka.endOffsets(partitions);
            long lastReap = System.nanoTime();
            while (running) {
                for (ConsumerRecord<String, byte[]> record : kafka.poll(Duration.ofMillis(500))) {
                    apply(record);
                }
                if (!caughtUp && partitions.stream().allMatch(p -> kafka.position(p) >= end.get(p))) {
                    caughtUp = true;
                    LOG.infof("endpoint view caught up: %d endpoints", endpoints.size());
                }
                if (caughtUp && config.leaks().release() && System.nanoTime() - lastReap > 10_000_000_000L) {
                    lastReap = System.nanoTime();
                    reap();
                }
            }
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            endpoints.remove(record.key());
            return;
        }
        Endpoint endpoint;
        try {
            endpoint = Endpoint.parseFrom(record.value());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            badRecords.increment();
            LOG.warnf("skipping unreadable endpoint record %s at %s-%d@%d: %s", record.key(), record.topic(),
                    record.partition(), record.offset(), e.getMessage());
            return;
        }
        Set<String> ips = new HashSet<>();
        if (!endpoint.getIpv4().isEmpty()) {
            ips.add(endpoint.getIpv4());
        }
        if (!endpoint.getIpv6().isEmpty()) {
            ips.add(endpoint.getIpv6());
        }
        EndpointRef ref = new EndpointRef(endpoint.getNamespace(), endpoint.getPod(), endpoint.getUid(),
                endpoint.getNode(), ips);
        endpoints.put(record.key(), ref);
        if (!ref.uid().isEmpty() && !ref.node().isEmpty()) {
            try {
                ipam.confirm(ref.node(), ref.uid());
            } catch (dev.tendril.eventstore.CommandRejectedException notOurs) {
                // An endpoint whose addresses IPAM did not hand out (or already released): nothing to confirm.
            }
        }
    }

    private void reap() {
        try {
            for (LeakDetector.Leak leak : detector.releasable(leaks(), clock.instant())) {
                try {
                    if (ipam.releaseLeaked(leak.node(), leak.ip(), leak.uid())) {
                        LOG.infof("released leaked %s of %s (uid %s) on %s, leaked since %s", leak.ip(), leak.owner(),
                                leak.uid(), leak.node(), leak.since());
                    }
                } catch (dev.tendril.eventstore.CommandRejectedException changed) {
                    // Released or re-owned since the report: nothing to do.
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("leak release failed, retrying next round: %s", e.getMessage());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
