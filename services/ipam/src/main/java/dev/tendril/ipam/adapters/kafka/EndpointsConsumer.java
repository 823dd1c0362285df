package dev.tendril.ipam.adapters.kafka;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.ipam.adapters.wiring.IpamConfig;
import dev.tendril.ipam.app.IpamService;
import dev.tendril.ipam.app.LeakDetector;
import dev.tendril.ipam.app.LeakDetector.EndpointRef;
import dev.tendril.topics.Batch;
import dev.tendril.topics.FollowerHandler;
import dev.tendril.topics.FollowerStatus;
import dev.tendril.topics.KafkaClientSettings;
import dev.tendril.topics.RejectedRecord;
import dev.tendril.topics.TopicFollower;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Reads the identity service's compacted {@code tendril.endpoints} from the beginning into memory with a
 * {@link TopicFollower} (every replica keeps its own view; no consumer group) and follows it; until the
 * identity service created the topic there are no endpoints. An endpoint confirms its pod's addresses, so
 * they no longer expire. A record that does not parse is logged, counted in
 * {@code tendril_ipam_bad_endpoint_records_total} and skipped. With {@code tendril.ipam.leaks.release}, leaked
 * addresses are released every ten seconds once the view caught up.
 */
@ApplicationScoped
public class EndpointsConsumer implements FollowerHandler<String, byte[]> {

    private static final Logger LOG = Logger.getLogger(EndpointsConsumer.class);
    private static final Duration REAP_EVERY = Duration.ofSeconds(10);

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
    private volatile TopicFollower<String, byte[]> follower;
    private Counter badRecords;
    private LeakDetector detector;
    // The follower thread's.
    private long lastReap = System.nanoTime();

    void onStart(@Observes StartupEvent event) {
        badRecords = meters.counter("tendril_ipam_bad_endpoint_records_total");
        detector = new LeakDetector(config.leaks().grace());
        follower = TopicFollower.builder(new StringDeserializer(), new ByteArrayDeserializer())
                .name("ipam-endpoints")
                .bootstrapServers(bootstrapServers)
                .consumerProperties(KafkaClientSettings.fromConfig())
                .topics(config.leaks().endpointsTopic())
                .handler(this)
                .start();
    }

    void onStop(@Observes ShutdownEvent event) {
        TopicFollower<String, byte[]> f = follower;
        if (f != null) {
            f.close();
        }
    }

    /** Whether the view holds every endpoint the topic held at start (a missing topic holds none). */
    public boolean caughtUp() {
        TopicFollower<String, byte[]> f = follower;
        return f != null && f.status().caughtUp();
    }

    public Collection<EndpointRef> endpoints() {
        return endpoints.values();
    }

    public List<LeakDetector.Leak> leaks() {
        return detector.leaks(ipam.allAllocations(), endpoints.values(), clock.instant());
    }

    @Override
    public void apply(Batch<String, byte[]> batch) {
        batch.forEach(this::apply);
    }

    @Override
    public void caughtUp(FollowerStatus status) {
        LOG.infof("endpoint view caught up: %d endpoints", endpoints.size());
    }

    @Override
    public void rejected(RejectedRecord record) {
        badRecords.increment();
    }

    @Override
    public void periodically(FollowerStatus status) {
        if (status.caughtUp() && config.leaks().release() && System.nanoTime() - lastReap > REAP_EVERY.toNanos()) {
            lastReap = System.nanoTime();
            reap();
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
            LOG.warnf(
                    "skipping unreadable endpoint record %s at %s-%d@%d: %s",
                    record.key(), record.topic(), record.partition(), record.offset(), e.getMessage());
            return;
        }
        Set<String> ips = new HashSet<>();
        if (!endpoint.getIpv4().isEmpty()) {
            ips.add(endpoint.getIpv4());
        }
        if (!endpoint.getIpv6().isEmpty()) {
            ips.add(endpoint.getIpv6());
        }
        EndpointRef ref =
                new EndpointRef(endpoint.getNamespace(), endpoint.getPod(), endpoint.getUid(), endpoint.getNode(), ips);
        endpoints.put(record.key(), ref);
        if (!ref.uid().isEmpty() && !ref.node().isEmpty()) {
            // Any other failure (the database) throws: the follower hands the batch over again (idempotent).
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
                        LOG.infof(
                                "released leaked %s of %s (uid %s) on %s, leaked since %s",
                                leak.ip(), leak.owner(), leak.uid(), leak.node(), leak.since());
                    }
                } catch (dev.tendril.eventstore.CommandRejectedException changed) {
                    // Released or re-owned since the report: nothing to do.
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("leak release failed, retrying next round: %s", e.getMessage());
        }
    }
}
