package dev.tendril.agent.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.adapters.DatapathMaps;
import dev.tendril.agent.adapters.NodeStateConsumer;
import dev.tendril.agent.adapters.PolicyFetcher;
import dev.tendril.agent.state.InMemoryMapBackend;
import dev.tendril.agent.state.MapBackend;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.datapath.maps.BpfMap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One node agent without Quarkus: the production {@link NodeStateConsumer} (bootstrap from the
 * compacted topics, then follow) writing through the production {@link DatapathMaps} into in-memory
 * maps. Many of these share one JVM and one broker; each has its own consumer, image and maps. No
 * endpoint API, no IPAM registration: the topics are the only input.
 */
public final class SimulatedAgent implements AutoCloseable {

    /** Told about every entry written into this agent's ipcache, on the agent's consumer thread. */
    public interface IpcacheListener {
        void written(SimulatedAgent agent, List<BpfMap.Entry> entries);

        IpcacheListener NONE = (agent, entries) -> {};
    }

    /** Told about every entry written into this agent's ipcache or policy maps, on the agent's consumer thread. */
    public interface MapListener {
        void written(SimulatedAgent agent, String map, List<BpfMap.Entry> entries);
    }

    private final String nodeName;
    private final DatapathMaps maps;
    private final NodeStateConsumer consumer;

    private SimulatedAgent(String nodeName, DatapathMaps maps, NodeStateConsumer consumer) {
        this.nodeName = nodeName;
        this.maps = maps;
        this.consumer = consumer;
    }

    /**
     * Opens the maps and starts following; returns at once (see {@link #bootstrapped()}).
     *
     * @param stateDir the endpoint table goes to {@code <stateDir>/<nodeName>/}
     * @param consumerOverrides Kafka consumer properties over the agent's own (empty: as in production)
     */
    public static SimulatedAgent start(
            String nodeName,
            String bootstrapServers,
            StateTopics topics,
            Path stateDir,
            IpcacheListener listener,
            Map<String, String> consumerOverrides) {
        MapListener maps = listener == IpcacheListener.NONE
                ? null
                : (agent, map, entries) -> {
                    if (map.equals(NodeMapsReconciler.IPCACHE_MAP)) {
                        listener.written(agent, entries);
                    }
                };
        return start(nodeName, bootstrapServers, topics, stateDir, maps, consumerOverrides);
    }

    /**
     * Opens the maps and starts following; returns at once (see {@link #bootstrapped()}).
     *
     * @param listener told about ipcache and policy map writes; null for none
     */
    public static SimulatedAgent start(
            String nodeName,
            String bootstrapServers,
            StateTopics topics,
            Path stateDir,
            MapListener listener,
            Map<String, String> consumerOverrides) {
        return start(nodeName, bootstrapServers, topics, stateDir, listener, consumerOverrides, null);
    }

    /**
     * Opens the maps and starts following; returns at once (see {@link #bootstrapped()}).
     *
     * @param listener told about ipcache and policy map writes; null for none
     * @param policyMaps null: the agent follows {@code topics.policy()} whole; else it follows
     *     {@code <topics.policy()>.revisions} and fetches the maps of its local subjects from this policy service
     */
    public static SimulatedAgent start(
            String nodeName,
            String bootstrapServers,
            StateTopics topics,
            Path stateDir,
            MapListener listener,
            Map<String, String> consumerOverrides,
            PolicyFetcher.Source policyMaps) {
        SimulatedAgent[] self = new SimulatedAgent[1];
        MapBackend backend = listener == null
                ? new InMemoryMapBackend()
                : new WatchedMapBackend(
                        new InMemoryMapBackend(), (map, entries) -> listener.written(self[0], map, entries));
        // What the production agent reads from tendril.agent.*, for a simulated node.
        AgentConfig config = new StandaloneAgentConfig(
                nodeName,
                AgentConfig.Datapath.MEMORY,
                stateDir.resolve("bpffs-unused"),
                stateDir,
                Duration.ofSeconds(30),
                new Sync(topics, policyMaps != null));
        DatapathMaps maps = DatapathMaps.open(config, new SimpleMeterRegistry(), new ObjectMapper(), backend);
        NodeStateConsumer consumer =
                NodeStateConsumer.create(config, maps, bootstrapServers, consumerOverrides, policyMaps);
        self[0] = new SimulatedAgent(nodeName, maps, consumer);
        consumer.start();
        return self[0];
    }

    public String nodeName() {
        return nodeName;
    }

    public DatapathMaps maps() {
        return maps;
    }

    public BpfMap ipcache() {
        return maps.ipcache();
    }

    public NodeStateConsumer consumer() {
        return consumer;
    }

    /** The first bootstrap is done and every map was reconciled against it. */
    public boolean bootstrapped() {
        return consumer.status().bootstrapped();
    }

    @Override
    public void close() {
        consumer.stop();
        maps.close();
    }

    private record Sync(StateTopics topics, boolean fetch) implements AgentConfig.Sync {

        @Override
        public boolean enabled() {
            return true;
        }

        @Override
        public String identitiesTopic() {
            return topics.identities();
        }

        @Override
        public String endpointsTopic() {
            return topics.endpoints();
        }

        @Override
        public String nodesTopic() {
            return topics.nodes();
        }

        @Override
        public String policyTopic() {
            return topics.policy();
        }

        @Override
        public String servicesTopic() {
            return topics.services();
        }

        @Override
        public AgentConfig.PolicySource policySource() {
            return fetch ? AgentConfig.PolicySource.FETCH : AgentConfig.PolicySource.TOPIC;
        }

        @Override
        public String policyRevisionsTopic() {
            return topics.policyRevisions();
        }

        @Override
        public String meshPeersTopic() {
            return "tendril.mesh.peers";
        }
    }
}
