package dev.tendril.agent.sim;

import dev.tendril.agent.AgentConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's settings for a consumer and maps built outside Quarkus (simulated agents, load drivers,
 * tests that drive {@code NodeStateConsumer} directly): no IPAM registration, no peers, the topics given.
 */
public record StandaloneAgentConfig(
        String nodeName, Datapath datapath, Path bpffsDir, Path stateDir, Duration reconcileInterval, Sync sync)
        implements AgentConfig {

    /** tendril.identities, tendril.endpoints, tendril.nodes, tendril.policy, tendril.services. */
    public static final Sync DEFAULT_TOPICS = DefaultTopics.INSTANCE;

    /** Default topics and a periodic pass that never comes during a run (drivers and tests count every write). */
    public static StandaloneAgentConfig withoutPeriodicPass(
            String nodeName, Datapath datapath, Path bpffsDir, Path stateDir) {
        return new StandaloneAgentConfig(nodeName, datapath, bpffsDir, stateDir, Duration.ofHours(1), DEFAULT_TOPICS);
    }

    @Override
    public String ipamUrl() {
        return "unused:0";
    }

    @Override
    public String identityUrl() {
        return "unused:0";
    }

    @Override
    public String policyUrl() {
        return "unused:0";
    }

    @Override
    public List<String> nodeIps() {
        return List.of();
    }

    @Override
    public boolean registerNode() {
        return false;
    }

    @Override
    public Duration callTimeout() {
        return Duration.ofSeconds(10);
    }

    @Override
    public Duration ctGcInterval() {
        return Duration.ofMinutes(1);
    }

    @Override
    public Duration probeTimeout() {
        return Duration.ofSeconds(1);
    }

    @Override
    public Map<String, String> peers() {
        return Map.of();
    }

    @Override
    public Map<String, String> nodeLabels() {
        return Map.of();
    }

    @Override
    public String flowsTopic() {
        return "tendril.flows";
    }

    @Override
    public int flowsQueue() {
        return 8192;
    }

    /** Simulated agents wire no pods. */
    @Override
    public PodNetworkMode podNetwork() {
        return PodNetworkMode.MODEL;
    }

    @Override
    public int clusterId() {
        return 0;
    }

    @Override
    public FabricSettings fabric() {
        return new FabricSettings() {
            @Override
            public String prefix() {
                return "tendril";
            }

            @Override
            public Optional<Integer> nodeIndex() {
                return Optional.empty();
            }
        };
    }

    /** tendril.identities, tendril.endpoints, tendril.nodes, tendril.policy, tendril.services. */
    private enum DefaultTopics implements Sync {
        INSTANCE;

        @Override
        public boolean enabled() {
            return true;
        }

        @Override
        public String identitiesTopic() {
            return "tendril.identities";
        }

        @Override
        public String endpointsTopic() {
            return "tendril.endpoints";
        }

        @Override
        public String nodesTopic() {
            return "tendril.nodes";
        }

        @Override
        public String policyTopic() {
            return "tendril.policy";
        }

        @Override
        public String servicesTopic() {
            return "tendril.services";
        }

        @Override
        public PolicySource policySource() {
            return PolicySource.TOPIC;
        }

        @Override
        public String policyRevisionsTopic() {
            return "tendril.policy.revisions";
        }

        @Override
        public String meshPeersTopic() {
            return "tendril.mesh.peers";
        }
    }
}
