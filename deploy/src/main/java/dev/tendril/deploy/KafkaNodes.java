package dev.tendril.deploy;

import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.testing.KafkaQuorum;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;

/**
 * The stack's Kafka: one broker ({@code kafka}, data in {@code kafka/}), or a KRaft cluster of three nodes
 * ({@code --brokers 3}: {@code kafka-1..3}, data in {@code kafka-1/..kafka-3/}), each node broker and controller and
 * its own supervised JVM. The cluster's nodes listen on the Kafka port and the next free ones; their controller ports
 * are picked at every start (the voter set is static, see {@link KafkaQuorum}); the cluster id is made once and kept
 * in {@value #CLUSTER_ID_FILE}. A data directory keeps the layout it was made with: starting it with the other count
 * is refused, as the other layout's topics would silently be missing.
 */
final class KafkaNodes {

    static final String CLUSTER_ID_FILE = "kafka-cluster.id";
    private static final String NAME = "kafka";
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final String HEAP = "-Xmx512m";

    private final StackConfig config;
    private final DataDir dataDir;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Supervised> nodes = new ArrayList<>();
    /** A cluster's controller port by node id and its id; empty and null for a lone broker. */
    private final TreeMap<Integer, Integer> controllers = new TreeMap<>();

    private String clusterId;

    KafkaNodes(StackConfig config, DataDir dataDir) {
        this.config = config;
        this.dataDir = dataDir;
    }

    /** The data directories of a cluster's nodes: {@code kafka-1} to {@code kafka-3}. */
    static List<String> clusterDirectories() {
        return IntStream.rangeClosed(1, 3).mapToObj(KafkaNodes::directoryOf).toList();
    }

    /**
     * Checks the data directory's layout, then picks the client ports (the first from {@code --kafka-port}) and, for a
     * cluster, the controller ports; every port picked is added to {@code reserved}.
     *
     * @throws StartupFailure when the data directory holds the other layout
     */
    void choosePorts(Set<Integer> reserved) {
        checkLayout();
        int preferred = config.kafkaPort();
        for (int n = 1; n <= config.brokers(); n++) {
            int port = Ports.preferredOrNextFree(preferred, reserved);
            reserved.add(port);
            ports.add(port);
            preferred = preferred == 0 ? 0 : port + 1;
        }
        if (config.brokers() > 1) {
            for (int n = 1; n <= config.brokers(); n++) {
                int port = Ports.preferredOrNextFree(0, reserved);
                reserved.add(port);
                controllers.put(n, port);
            }
            clusterId = clusterId();
        }
    }

    /** Adds every node to {@code supervisor} and starts it; {@code jvm} ends with the launcher's class path. */
    List<Supervised> start(Supervisor supervisor, List<String> jvm, Path logs, List<ComponentSpec> specs) {
        List<String> nodeJvm = Stream.concat(Stream.of(HEAP), jvm.stream()).toList();
        for (int n = 1; n <= ports.size(); n++) {
            int index = n - 1;
            String name = config.brokers() == 1 ? NAME : NAME + "-" + n;
            String directory = config.brokers() == 1 ? DataDir.KAFKA : directoryOf(n);
            KafkaQuorum place = controllers.isEmpty() ? null : new KafkaQuorum(n, controllers, clusterId);
            Supervised node = supervisor.add(
                    new Component(
                            name,
                            Kind.KAFKA,
                            ports.get(index),
                            address(ports.get(index)),
                            null,
                            logs.resolve(name + ".log").toString()),
                    () -> KafkaProcess.command(nodeJvm, dataDir, directory, ports.get(index), place, specs),
                    STOP_GRACE,
                    () -> {});
            nodes.add(node);
        }
        nodes.forEach(supervisor::start);
        return List.copyOf(nodes);
    }

    /** The supervised nodes, once started. */
    List<Supervised> nodes() {
        return List.copyOf(nodes);
    }

    /**
     * Stops every node at once: a node stopping alone asks the quorum to move its partitions away, and the last one of
     * a cluster would find no quorum left to ask (Kafka waits five minutes for an answer).
     */
    void stop(Supervisor supervisor) {
        if (!nodes.isEmpty()) {
            supervisor.stop(nodes, STOP_GRACE);
        }
    }

    /** {@code 127.0.0.1:PORT[,127.0.0.1:PORT...]}: what clients bootstrap from. */
    String bootstrapServers() {
        return ports.stream().map(KafkaNodes::address).collect(Collectors.joining(","));
    }

    private static String address(int port) {
        return "127.0.0.1:" + port;
    }

    private static String directoryOf(int node) {
        return NAME + "-" + node;
    }

    private void checkLayout() {
        boolean single = holdsData(DataDir.KAFKA);
        boolean cluster = clusterDirectories().stream().anyMatch(this::holdsData);
        if (config.brokers() == 1 && cluster) {
            throw new StartupFailure("the data directory " + config.dataDir() + " holds a Kafka cluster of three nodes"
                    + " (kafka-1 to kafka-3): start it with --brokers 3, or with --fresh to start over");
        }
        if (config.brokers() > 1 && single) {
            throw new StartupFailure("the data directory " + config.dataDir() + " holds a one-broker Kafka (kafka/):"
                    + " start it without --brokers, or with --brokers " + config.brokers() + " --fresh to start over");
        }
    }

    private boolean holdsData(String directory) {
        Path path = dataDir.resolve(directory);
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** The cluster's id, made on the first start of a cluster and read back at the next. */
    private String clusterId() {
        Path file = dataDir.resolve(CLUSTER_ID_FILE);
        try {
            if (Files.exists(file)) {
                return Files.readString(file).trim();
            }
            String id = Uuid.randomUuid().toString();
            Files.writeString(file, id + System.lineSeparator());
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the Kafka cluster id in " + file, e);
        }
    }
}
