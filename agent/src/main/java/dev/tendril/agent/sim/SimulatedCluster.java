package dev.tendril.agent.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * N simulated agents ({@link SimulatedAgent}) named {@code <prefix>-1} .. {@code <prefix>-N}, following
 * the same topics on one broker. Closing the cluster stops every agent.
 */
public final class SimulatedCluster implements AutoCloseable {

    private final List<SimulatedAgent> agents;

    private SimulatedCluster(List<SimulatedAgent> agents) {
        this.agents = agents;
    }

    /** Starts the agents (each bootstraps on its own thread); see {@link #allBootstrapped()}. */
    public static SimulatedCluster start(
            int size,
            String nodePrefix,
            String bootstrapServers,
            StateTopics topics,
            SimulatedAgent.IpcacheListener listener) {
        return start(size, nodePrefix, bootstrapServers, topics, listener, Map.of());
    }

    /** @param consumerOverrides Kafka consumer properties over the agent's own */
    public static SimulatedCluster start(
            int size,
            String nodePrefix,
            String bootstrapServers,
            StateTopics topics,
            SimulatedAgent.IpcacheListener listener,
            Map<String, String> consumerOverrides) {
        Path stateDir;
        try {
            stateDir = Files.createTempDirectory("tendril-sim-agents-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<SimulatedAgent> agents = new ArrayList<>(size);
        try {
            for (int i = 1; i <= size; i++) {
                agents.add(SimulatedAgent.start(
                        nodeName(nodePrefix, i), bootstrapServers, topics, stateDir, listener, consumerOverrides));
            }
        } catch (RuntimeException e) {
            agents.forEach(SimulatedAgent::close);
            throw e;
        }
        return new SimulatedCluster(Collections.unmodifiableList(agents));
    }

    public static String nodeName(String nodePrefix, int i) {
        return nodePrefix + "-" + i;
    }

    /**
     * Creates the four topics as the services' relays do (compacted, tombstones kept a day) unless they
     * exist.
     */
    public static void createTopics(String bootstrapServers, StateTopics topics, int partitions) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> all = new ArrayList<>(topics.all());
            all.add(topics.policyRevisions());
            List<NewTopic> missing = all.stream()
                    .filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, partitions, (short) -1)
                            .configs(Map.of(
                                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                                    TopicConfig.DELETE_RETENTION_MS_CONFIG, "86400000",
                                    TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0")))
                    .toList();
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create " + topics + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topics", e);
        }
    }

    public List<SimulatedAgent> agents() {
        return agents;
    }

    public boolean allBootstrapped() {
        return agents.stream().allMatch(SimulatedAgent::bootstrapped);
    }

    @Override
    public void close() {
        // One at a time: a stop wakes its consumer up and joins its thread, which takes one poll at most.
        agents.forEach(SimulatedAgent::close);
    }
}
