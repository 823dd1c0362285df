package dev.tendril.identity.adapters.kafka;

import dev.tendril.api.v1.Node;
import dev.tendril.identity.adapters.IdentityServiceConfig;
import dev.tendril.identity.app.UnknownReferenceException;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.KnownNodes;
import dev.tendril.topics.Batch;
import dev.tendril.topics.FollowerHandler;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * With {@code tendril.identity.nodes.require-registered}: reads IPAM's compacted {@code tendril.nodes}
 * from the beginning into memory with a {@link TopicFollower} (no consumer group) and follows it, so that
 * endpoints are admitted only on registered nodes and never with a node's own address. A node registered a
 * moment ago may not have reached this view yet: before refusing, {@link #admit} waits (at most
 * {@code tendril.identity.nodes.catch-up}) until the view has read up to the topic's current end
 * ({@link TopicFollower#readToEnd()}). Until IPAM created the topic with its first node, no node is
 * registered. A record that does not parse is logged, counted in
 * {@code tendril_identity_bad_node_records_total} and skipped.
 */
@ApplicationScoped
public class NodesConsumer implements FollowerHandler<String, byte[]> {

    private static final Logger LOG = Logger.getLogger(NodesConsumer.class);

    @Inject
    IdentityServiceConfig config;

    @Inject
    MeterRegistry meters;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "127.0.0.1:9092")
    String bootstrapServers;

    private volatile KnownNodes nodes = KnownNodes.EMPTY;
    private volatile TopicFollower<String, byte[]> follower;
    private Counter badRecords;

    void onStart(@Observes StartupEvent event) {
        if (!config.nodes().requireRegistered()) {
            return;
        }
        badRecords = meters.counter("tendril_identity_bad_node_records_total");
        follower = TopicFollower.builder(new StringDeserializer(), new ByteArrayDeserializer())
                .name("identity-nodes")
                .bootstrapServers(bootstrapServers)
                .consumerProperties(KafkaClientSettings.fromConfig())
                .topics(config.topics().nodes())
                .handler(this)
                .start();
    }

    void onStop(@Observes ShutdownEvent event) {
        TopicFollower<String, byte[]> f = follower;
        if (f != null) {
            f.close();
        }
    }

    /**
     * Refuses an endpoint on a node IPAM has not registered (422, {@code node}) and an endpoint address
     * that is a node's own (409, {@code ips}); admits everything while the check is switched off.
     */
    public void admit(EndpointSpec spec) {
        if (!config.nodes().requireRegistered()) {
            return;
        }
        if (!nodes.contains(spec.node())) {
            catchUp();
        }
        KnownNodes known = nodes;
        if (!known.contains(spec.node())) {
            throw new UnknownReferenceException(
                    "node",
                    "node '" + spec.node() + "' is not registered with IPAM ("
                            + config.topics().nodes() + " knows " + known.size() + " nodes); register the node first");
        }
        known.checkAddresses(spec);
    }

    /** Waits until the view has read every record the topic holds now, or the catch-up time is over. */
    private void catchUp() {
        TopicFollower<String, byte[]> f = follower;
        if (f == null) {
            return;
        }
        try {
            f.readToEnd().get(config.nodes().catchUp().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException | CancellationException e) {
            // Kafka slow or down, or shutting down: the view as it is decides.
            LOG.debugf("%s not read to its end: %s", config.topics().nodes(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void apply(Batch<String, byte[]> batch) {
        KnownNodes view = nodes;
        for (ConsumerRecord<String, byte[]> record : batch) {
            view = apply(view, record);
        }
        nodes = view;
    }

    @Override
    public void rejected(RejectedRecord record) {
        badRecords.increment();
    }

    private KnownNodes apply(KnownNodes view, ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return view.without(record.key());
        }
        try {
            Node node = Node.parseFrom(record.value());
            List<String> addresses = new ArrayList<>(node.getIpsList());
            addresses.addAll(node.getRouterIpsList());
            return view.with(record.key(), addresses);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            badRecords.increment();
            LOG.warnf(
                    "skipping unreadable node record %s at %s-%d@%d: %s",
                    record.key(), record.topic(), record.partition(), record.offset(), e.getMessage());
            return view;
        }
    }
}
