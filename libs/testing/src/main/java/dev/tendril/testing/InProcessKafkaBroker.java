package dev.tendril.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import kafka.server.BrokerServer;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * The broker itself: a {@link KafkaRaftServer}, one combined broker and controller node, alone or one of a
 * {@link KafkaQuorum}. Kafka server objects cannot start twice, so every (re)start builds a new one from the same
 * configuration.
 */
final class InProcessKafkaBroker implements KafkaBroker {

    private static final String PLAINTEXT_LISTENER = "PLAINTEXT";
    private static final String SSL_LISTENER = "SSL";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String HOST = "127.0.0.1";
    /** Long enough for a quorum to move a node's partitions away; a lone node's own controller answers at once. */
    private static final Duration CONTROLLED_SHUTDOWN = Duration.ofSeconds(10);

    private final Path dataDir;
    private final Path logDir;
    private final int port;
    private final KafkaQuorum quorum;
    /** Null for a plaintext broker that lets everyone do everything (what the tests of the services use). */
    private final BrokerSecurity security;

    private KafkaRaftServer server;

    private InProcessKafkaBroker(Path dataDir, int port, KafkaQuorum quorum, BrokerSecurity security) {
        this.dataDir = dataDir;
        this.logDir = dataDir.resolve("kafka-logs");
        this.port = port;
        this.quorum = quorum;
        this.security = security;
    }

    static InProcessKafkaBroker start(Path dataDir, int port, BrokerSecurity security) {
        KafkaLogLevels.quiet();
        int brokerPort = FreePorts.orPick(port);
        int controllerPort = FreePorts.pick();
        while (controllerPort == brokerPort) {
            controllerPort = FreePorts.pick();
        }
        var broker = new InProcessKafkaBroker(
                dataDir.toAbsolutePath(), brokerPort, KafkaQuorum.single(controllerPort), security);
        broker.launch();
        return broker;
    }

    /** One node of a cluster: returns once the cluster, this node among its brokers, takes a write. */
    static InProcessKafkaBroker startNode(Path dataDir, int port, KafkaQuorum quorum, BrokerSecurity security) {
        KafkaLogLevels.quiet();
        var broker = new InProcessKafkaBroker(dataDir.toAbsolutePath(), port, quorum, security);
        broker.launch();
        return broker;
    }

    @Override
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public Map<String, Object> adminClientProperties() {
        Map<String, Object> properties =
                security == null ? new HashMap<>() : new HashMap<>(security.superUserClientProperties());
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return properties;
    }

    @Override
    public synchronized boolean isRunning() {
        return server != null;
    }

    @Override
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        var stopping = server;
        server = null;
        OwnContextClassLoader.run(() -> {
            shutDownBrokerWithin(stopping, CONTROLLED_SHUTDOWN);
            stopping.shutdown();
            stopping.awaitShutdown();
        });
    }

    /**
     * {@link KafkaRaftServer#shutdown()} gives the broker part five minutes to have its controlled shutdown approved
     * by the quorum, and the last node of a cluster to stop has no quorum left to approve it. So the broker part is
     * shut down first with a shorter deadline, after which it closes its logs cleanly anyway. KafkaRaftServer keeps
     * it in a private field; if that cannot be read, the plain shutdown follows (a lone node approves its own).
     */
    private static void shutDownBrokerWithin(KafkaRaftServer server, Duration deadline) {
        try {
            Field field = KafkaRaftServer.class.getDeclaredField("broker");
            field.setAccessible(true);
            if (field.get(server) instanceof scala.Option<?> option
                    && !option.isEmpty()
                    && option.get() instanceof BrokerServer broker) {
                broker.shutdown(deadline);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // KafkaRaftServer.shutdown() follows and shuts the broker down with its own deadline.
        }
    }

    @Override
    public synchronized void restart() {
        stop();
        launch();
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + ", " + dataDir + (isRunning() ? "" : ", stopped") + "]";
    }

    private synchronized void launch() {
        server = OwnContextClassLoader.call(this::startServer);
    }

    private KafkaRaftServer startServer() {
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create Kafka log directory " + logDir, e);
        }
        var config = new KafkaConfig(serverProperties(), false);
        formatUnlessFormatted();
        var starting = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            starting.startup();
            awaitReady();
        } catch (RuntimeException | Error e) {
            // A half-started server still holds its ports and threads; release them so a retry can bind.
            starting.shutdown();
            starting.awaitShutdown();
            throw e;
        }
        return starting;
    }

    private Map<String, Object> serverProperties() {
        var props = new HashMap<String, Object>();
        String brokerListener = security == null ? PLAINTEXT_LISTENER : SSL_LISTENER;
        String protocol = security == null ? "PLAINTEXT" : "SSL";
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(quorum.nodeId()));
        // A static voter set (kraft.version 0) rather than a dynamic --standalone quorum: the controller
        // ports are not written into the metadata log, so a later start on this data directory may use
        // different controller ports.
        props.put("controller.quorum.voters", quorum.voters());
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put(
                "listeners",
                brokerListener + "://" + HOST + ":" + port + "," + CONTROLLER_LISTENER + "://" + HOST + ":"
                        + quorum.controllerPort());
        props.put("advertised.listeners", brokerListener + "://" + HOST + ":" + port);
        props.put("inter.broker.listener.name", brokerListener);
        // Secured, the controller listener asks for the same client certificates: the broker reaches its
        // controller as its own super-user principal, and nobody else gets in there.
        props.put(
                "listener.security.protocol.map",
                brokerListener + ":" + protocol + "," + CONTROLLER_LISTENER + ":" + protocol);
        if (security != null) {
            props.putAll(security.brokerProperties());
        }
        props.put("log.dirs", logDir.toString());

        // One node cannot satisfy the default replication factor of 3 for internal topics; three can, and then a
        // write needs two copies, so one node may be down without losing an acknowledged write.
        String copies = Integer.toString(quorum.replicationFactor());
        String minInsync = Integer.toString(quorum.minInsyncReplicas());
        props.put("offsets.topic.replication.factor", copies);
        props.put("transaction.state.log.replication.factor", copies);
        props.put("transaction.state.log.min.isr", minInsync);
        props.put("share.coordinator.state.topic.replication.factor", copies);
        props.put("share.coordinator.state.topic.min.isr", minInsync);
        props.put("default.replication.factor", copies);
        props.put("min.insync.replicas", minInsync);
        // Fifty partitions per internal topic cost seconds on first use and buy nothing on one node.
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.num.partitions", "1");

        props.put("num.partitions", "1");
        props.put("auto.create.topics.enable", "true");
        // Consumers in tests join alone; the default delay only makes them wait.
        props.put("group.initial.rebalance.delay.ms", "0");
        // Events are the source of truth: a week-old local stack must not silently lose its history.
        props.put("log.retention.ms", "-1");
        // The default 128 MiB dedupe buffer is a large share of a test JVM's heap.
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        // The broker shares the test JVM with the service under test; the defaults size it for a server.
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        return props;
    }

    private void formatUnlessFormatted() {
        if (Files.exists(logDir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
            return;
        }
        var formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(quorum.nodeId())
                .setClusterId(quorum.clusterId() == null ? Uuid.randomUuid().toString() : quorum.clusterId())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(logDir.toString())
                .addDirectory(logDir.toString());
        try {
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format Kafka storage in " + logDir, e);
        }
    }

    private void awaitReady() {
        KafkaReadiness.await(
                adminClientProperties(), "on " + bootstrapServers() + " (data in " + dataDir + ")", quorum.nodeId());
    }
}
