package dev.tendril.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * A KRaft cluster of in-process nodes in this JVM (plaintext, everyone allowed): the layout of {@code ./tendril up
 * --brokers 3} for tests and load drivers. Nodes start side by side (each returns only once the cluster takes a
 * write, which needs its peers) and stop side by side (see {@link #stop}).
 */
public final class KafkaCluster implements AutoCloseable {

    private final List<KafkaBroker> nodes;

    private KafkaCluster(List<KafkaBroker> nodes) {
        this.nodes = nodes;
    }

    /** Starts {@code size} nodes storing their data under {@code dir/kafka-N}. */
    public static KafkaCluster start(Path dir, int size) {
        // Said here, on the test's thread: a skip thrown in a node's start thread reaches the test as an error.
        InfrastructureMode.refuseInProcessServer("KafkaCluster.start");
        TreeMap<Integer, Integer> controllers = new TreeMap<>();
        TreeMap<Integer, Integer> ports = new TreeMap<>();
        for (int id = 1; id <= size; id++) {
            controllers.put(id, FreePorts.pick());
            ports.put(id, FreePorts.pick());
        }
        String clusterId = Uuid.randomUuid().toString();
        List<CompletableFuture<KafkaBroker>> starting = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            int node = id;
            starting.add(CompletableFuture.supplyAsync(() -> KafkaBroker.startClusterNode(
                    dir.resolve("kafka-" + node),
                    ports.get(node),
                    new KafkaQuorum(node, controllers, clusterId),
                    null)));
        }
        return new KafkaCluster(starting.stream().map(CompletableFuture::join).toList());
    }

    /** The nodes, by node id from 1. */
    public List<KafkaBroker> nodes() {
        return nodes;
    }

    /** Every node's address, comma-separated: what clients bootstrap from. */
    public String bootstrapServers() {
        return nodes.stream().map(KafkaBroker::bootstrapServers).collect(Collectors.joining(","));
    }

    /**
     * Stops every node side by side: a node stopping alone asks the quorum to move its partitions away first, and the
     * last node has no quorum left to ask (it gives up after its controlled-shutdown deadline).
     */
    public void stop() {
        nodes.stream()
                .map(node -> CompletableFuture.runAsync(node::stop))
                .toList()
                .forEach(CompletableFuture::join);
    }

    @Override
    public void close() {
        stop();
    }
}
