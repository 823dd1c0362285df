package dev.tendril.testing;

import java.nio.file.Path;

/**
 * A real Apache Kafka broker running inside this JVM in KRaft combined mode: one node that is both
 * broker and controller. Clients reach it on {@link #bootstrapServers()} like any other Kafka.
 *
 * <p>Storage lives under the data directory and is formatted only once, so starting again on the same
 * directory (in this JVM or a later one) finds every topic and record written before.
 */
public interface KafkaBroker extends AutoCloseable {

    /**
     * Starts a broker storing its data under {@code dataDir} and returns once clients can produce and
     * consume.
     *
     * @param port the client port on 127.0.0.1, or 0 to pick a free one
     * @throws IllegalStateException if the broker does not become ready in time
     * @throws org.opentest4j.TestAbortedException under the {@code testcontainers} profile, which runs no in-process
     *     servers: the calling test is skipped
     */
    static KafkaBroker start(Path dataDir, int port) {
        InfrastructureMode.refuseInProcessServer("KafkaBroker.start");
        return InProcessKafkaBroker.start(dataDir, port, null);
    }

    /**
     * Starts a broker that lets in only clients with a certificate {@code security} trusts, on TLS listeners only,
     * and authorizes every request by ACL (none exist at first: only the super users may do anything).
     */
    static KafkaBroker startSecured(Path dataDir, int port, BrokerSecurity security) {
        InfrastructureMode.refuseInProcessServer("KafkaBroker.startSecured (a broker with TLS and ACLs)");
        return InProcessKafkaBroker.start(dataDir, port, java.util.Objects.requireNonNull(security, "security"));
    }

    /**
     * Starts node {@code quorum.nodeId()} of a KRaft cluster whose other nodes run in other JVMs (the local stack's
     * {@code --brokers 3}) or in this one; returns once the cluster, with this node among its brokers, acknowledges
     * a write, which needs a quorum of the nodes and every copy of a new topic up.
     *
     * @param security as for {@link #startSecured}, or null for plaintext listeners that let everyone do everything
     */
    static KafkaBroker startClusterNode(Path dataDir, int port, KafkaQuorum quorum, BrokerSecurity security) {
        InfrastructureMode.refuseInProcessServer("KafkaBroker.startClusterNode");
        return InProcessKafkaBroker.startNode(dataDir, port, quorum, security);
    }

    /** {@code 127.0.0.1:<port>}: this node's own address. */
    String bootstrapServers();

    int port();

    /** The properties of an admin client allowed everything (the broker's own credential when secured). */
    java.util.Map<String, Object> adminClientProperties();

    /** Where the broker keeps its data; null for a container, whose data lives in its own file system. */
    Path dataDir();

    boolean isRunning();

    /** Shuts the broker down and waits until it has released its ports; the data stays on disk. */
    void stop();

    /**
     * Starts the broker again on the same port and data directory, so clients that kept the old
     * bootstrap address reconnect and find all data. Stops it first if it is still running.
     */
    void restart();

    @Override
    default void close() {
        stop();
    }
}
