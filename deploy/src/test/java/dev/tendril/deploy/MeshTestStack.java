package dev.tendril.deploy;

import dev.tendril.cli.stack.StackFabric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * One stack of a ClusterMesh test: a launcher in a child JVM with its cluster name, id and pod CIDRs, the CLI
 * against it, and its Kafka read as the broker's super user.
 */
final class MeshTestStack implements AutoCloseable {

    private static final Duration EXIT_GUARD = TestLauncher.STOP_GUARD;

    final String name;
    final Path dataDir;
    final StackCli cli;
    private final List<String> command;
    private Process launcher;
    private LauncherOutput output;

    private MeshTestStack(String name, Path dataDir, List<String> command) throws IOException {
        this.name = name;
        this.dataDir = dataDir;
        this.cli = new StackCli(dataDir);
        this.command = command;
        launch();
    }

    private void launch() throws IOException {
        launcher = new ProcessBuilder(command).redirectErrorStream(true).start();
        output = LauncherOutput.of(launcher);
    }

    /** {@code ./tendril down} and {@code up} again on the same data directory; waits until it is ready. */
    void restart(Duration guard) throws IOException, InterruptedException {
        launcher.toHandle().destroy();
        if (!launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + "'s launcher did not stop within " + EXIT_GUARD);
        }
        launch();
        awaitReady(guard);
    }

    /** Starts the launcher (model datapath, one node) without waiting for it. */
    static MeshTestStack start(
            Path repo, Path dataDir, int portOffset, String name, int id, String podCidr, String podCidrV6)
            throws IOException {
        return start(repo, dataDir, portOffset, 1, name, id, podCidr, podCidrV6);
    }

    /** Starts the launcher with the services only. */
    static MeshTestStack startWithoutAgents(
            Path repo, Path dataDir, int portOffset, String name, int id, String podCidr, String podCidrV6)
            throws IOException {
        return start(repo, dataDir, portOffset, 0, name, id, podCidr, podCidrV6);
    }

    /** Starts the launcher with one node on the kernel datapath where it can run ({@code --datapath auto}). */
    static MeshTestStack startKernel(
            Path repo, Path dataDir, int portOffset, String name, int id, String podCidr, String podCidrV6)
            throws IOException {
        return start(repo, dataDir, portOffset, 1, Datapath.AUTO, name, id, podCidr, podCidrV6);
    }

    /** Starts the launcher (model datapath) with {@code nodes} agents without waiting for it. */
    static MeshTestStack start(
            Path repo, Path dataDir, int portOffset, int nodes, String name, int id, String podCidr, String podCidrV6)
            throws IOException {
        return start(repo, dataDir, portOffset, nodes, Datapath.MODEL, name, id, podCidr, podCidrV6);
    }

    private static MeshTestStack start(
            Path repo,
            Path dataDir,
            int portOffset,
            int nodes,
            Datapath datapath,
            String name,
            int id,
            String podCidr,
            String podCidrV6)
            throws IOException {
        List<String> command = TestLauncher.command(
                "512m",
                repo,
                dataDir,
                portOffset,
                "--nodes",
                Integer.toString(nodes),
                "--datapath",
                datapath.property(),
                "--ready-timeout",
                "240s",
                "--cluster-name",
                name,
                "--cluster-id",
                Integer.toString(id),
                "--pod-cidr",
                podCidr,
                "--pod-cidr-v6",
                podCidrV6);
        return new MeshTestStack(name, dataDir, command);
    }

    void awaitReady(Duration guard) throws InterruptedException {
        output.awaitLine("Tendril is ready.", guard);
    }

    String outputText() {
        return output.text();
    }

    /** The launcher's {@code agent-N pod network: ...} lines (printed before it is ready). */
    List<String> podNetworks() {
        return output.lines().stream()
                .filter(l -> l.matches("agent-\\d+ +pod network: .*"))
                .toList();
    }

    String kafka() {
        return MirrorProcess.kafkaOf(dataDir).orElseThrow();
    }

    /** The topic's records as Kafka holds them now, in order (none when it does not exist). */
    List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        Map<String, Object> client = MeshClients.consumer(MeshClients.superUser(dataDir, kafka()));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(client)) {
            if (!consumer.listTopics(Duration.ofSeconds(10)).containsKey(topic)) {
                return List.of();
            }
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
            while (ends.entrySet().stream()
                    .anyMatch(e -> consumer.position(e.getKey(), Duration.ofSeconds(10)) < e.getValue())) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    /** The topic as a compacted view: hex key to the latest value as hex, null for a tombstone. */
    Map<String, String> latest(String topic) {
        Map<String, String> latest = new LinkedHashMap<>();
        HexFormat hex = HexFormat.of();
        for (ConsumerRecord<byte[], byte[]> record : records(topic)) {
            latest.put(hex.formatHex(record.key()), record.value() == null ? null : hex.formatHex(record.value()));
        }
        return latest;
    }

    /** Only the live entries of {@link #latest}. */
    Map<String, String> live(String topic) {
        Map<String, String> live = new LinkedHashMap<>(latest(topic));
        live.values().removeIf(java.util.Objects::isNull);
        return live;
    }

    java.util.Set<String> topics() {
        Map<String, Object> client = MeshClients.consumer(MeshClients.superUser(dataDir, kafka()));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(client)) {
            return consumer.listTopics(Duration.ofSeconds(10)).keySet();
        }
    }

    /** Stops the launcher (SIGTERM, then kill after a minute); keeps the data directory when {@code keep}. */
    void stop(boolean keep) throws IOException, InterruptedException {
        if (launcher.isAlive()) {
            launcher.toHandle().destroy();
            if (!launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS)) {
                launcher.descendants().forEach(ProcessHandle::destroyForcibly);
                launcher.destroyForcibly();
            }
        }
        FabricTeardown.system(StackFabric.of(dataDir), FabricTeardown.agentPinsOf(dataDir))
                .removeReporting(System.out, "the test's kernel pod network");
        if (keep) {
            System.out.println("Keeping " + dataDir + " (component logs in its logs/) for diagnosis");
            return;
        }
        try (Stream<Path> tree = Files.walk(dataDir)) {
            tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stop(false);
    }
}
