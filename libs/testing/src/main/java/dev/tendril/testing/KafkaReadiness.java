package dev.tendril.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * When a broker that just (re)started may be handed to tests: the one answer for the in-process broker and the
 * container, so an outage drill ends the same way on both.
 */
final class KafkaReadiness {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Written once per start: a broker is ready when an idempotent, acks=all write to a new topic is acknowledged. */
    private static final String READY_PROBE_TOPIC = "tendril.test.ready-probe";

    private KafkaReadiness() {}

    /**
     * Returns once the broker that {@code clientProperties} reach lists itself and acknowledges a write.
     *
     * @param describedAs how the failure names the broker
     * @throws IllegalStateException if it does not within {@link #TIMEOUT}
     */
    static void await(Map<String, Object> clientProperties, String describedAs) {
        await(clientProperties, describedAs, -1);
    }

    /**
     * Returns once the cluster that {@code clientProperties} reach lists node {@code nodeId} among its unfenced brokers
     * (any node when negative) and acknowledges a write.
     */
    static void await(Map<String, Object> clientProperties, String describedAs, int nodeId) {
        var adminConfig = new HashMap<>(clientProperties);
        adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        adminConfig.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Exception lastFailure = null;
        try (var admin = Admin.create(adminConfig)) {
            while (System.nanoTime() < deadline) {
                try {
                    // Only unfenced brokers are listed, and an unfenced broker accepts produce requests.
                    var nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    if (nodeId < 0 ? !nodes.isEmpty() : nodes.stream().anyMatch(n -> n.id() == nodeId)) {
                        break;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    lastFailure = e;
                }
                Thread.sleep(100);
            }
            // Listed as unfenced is not yet writable: after a restart on the same data directory, a new
            // topic's first idempotent write has waited out a 15 s delivery timeout (CI, stop 23). Tests
            // start once a real write of that kind is acknowledged.
            lastFailure = awaitWriteAccepted(clientProperties, deadline, lastFailure);
            if (lastFailure == null) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Kafka " + describedAs, e);
        }
        throw new IllegalStateException(
                "Kafka broker " + describedAs + " did not become ready within " + TIMEOUT, lastFailure);
    }

    /** Null once a write is acknowledged before the deadline, else the last failure seen. */
    private static Exception awaitWriteAccepted(
            Map<String, Object> clientProperties, long deadline, Exception failureSoFar) throws InterruptedException {
        var producerConfig = new HashMap<>(clientProperties);
        producerConfig.putAll(Map.<String, Object>of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100));
        Exception lastFailure = failureSoFar;
        try (var producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
            while (System.nanoTime() < deadline) {
                try {
                    producer.send(new ProducerRecord<>(READY_PROBE_TOPIC, new byte[0]))
                            .get(15, TimeUnit.SECONDS);
                    return null;
                } catch (ExecutionException | TimeoutException | RuntimeException e) {
                    lastFailure = e;
                }
                Thread.sleep(100);
            }
        }
        return lastFailure == null ? new TimeoutException("no write acknowledged") : lastFailure;
    }
}
