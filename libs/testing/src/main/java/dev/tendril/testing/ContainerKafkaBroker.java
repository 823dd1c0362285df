package dev.tendril.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The shared broker as a container of the official {@code apache/kafka} image (one KRaft node, broker and controller,
 * as in-process). {@link #stop()} and {@link #restart()} stop and start the same container, so the topics survive an
 * outage drill, and its client port is bound to one fixed host port, so clients keep their bootstrap address.
 */
final class ContainerKafkaBroker implements KafkaBroker {

    /** KafkaContainer's listener for clients outside Docker; it advertises the host's address and mapped port. */
    private static final int CLIENT_PORT = 9092;

    /**
     * How long {@code docker stop} waits before SIGKILL. KafkaContainer's command is a shell loop, and a shell as a
     * container's PID 1 ignores SIGTERM, so the broker is most likely killed: an outage as a crash is, after which the
     * broker recovers its log. What it acknowledged is in the container's file system and survives.
     */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaContainer container;
    private final int port;
    private boolean running;

    private ContainerKafkaBroker(KafkaContainer container, int port) {
        this.container = container;
        this.port = port;
    }

    static ContainerKafkaBroker start(String image) {
        int port = FreePorts.pick();
        var container = new FixedPortKafkaContainer(DockerImageName.parse(image), port)
                // What the in-process broker sets beyond KafkaContainer's single-node settings, so the same tests
                // meet the same broker: no time-based deletion of the history tests read back by timestamp, one
                // partition for the transaction log the outbox relay writes through.
                .withEnv("KAFKA_LOG_RETENTION_MS", "-1")
                .withEnv("KAFKA_NUM_PARTITIONS", "1")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true")
                .withEnv("KAFKA_DEFAULT_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_MIN_INSYNC_REPLICAS", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
                .withStartupTimeout(Duration.ofMinutes(3));
        container.start();
        var broker = new ContainerKafkaBroker(container, port);
        broker.awaitReady();
        broker.running = true;
        return broker;
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public Map<String, Object> adminClientProperties() {
        Map<String, Object> properties = new HashMap<>();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return properties;
    }

    /** Null: the broker's data lives in the container's file system, which outlives {@link #stop()}. */
    @Override
    public Path dataDir() {
        return null;
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }

    /** Stops the container ({@code docker stop}, see {@link #STOP_TIMEOUT}) and keeps it, data and port included. */
    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        container
                .getDockerClient()
                .stopContainerCmd(container.getContainerId())
                .withTimeout((int) STOP_TIMEOUT.toSeconds())
                .exec();
    }

    /**
     * Starts the same container again: KafkaContainer's start script is still in it and advertises the same fixed
     * port, and the image's start-up skips formatting storage that is already formatted.
     */
    @Override
    public synchronized void restart() {
        stop();
        container
                .getDockerClient()
                .startContainerCmd(container.getContainerId())
                .exec();
        awaitReady();
        running = true;
    }

    /** Removes the container; what the JVM's shutdown hook does (Testcontainers' reaper would too, later). */
    void remove() {
        container.stop();
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + ", container " + container.getDockerImageName()
                + (isRunning() ? "" : ", stopped") + "]";
    }

    private void awaitReady() {
        KafkaReadiness.await(
                adminClientProperties(),
                "on " + bootstrapServers() + " (container " + container.getContainerId() + ")");
    }

    /**
     * A KafkaContainer whose client port has one host port for its whole life: Docker gives a restarted container new
     * random ports, and the broker advertises the port it was started with.
     */
    private static final class FixedPortKafkaContainer extends KafkaContainer {
        FixedPortKafkaContainer(DockerImageName image, int hostPort) {
            super(image);
            addFixedExposedPort(hostPort, CLIENT_PORT);
        }
    }
}
