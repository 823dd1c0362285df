package dev.tendril.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The agent's settings for a consumer and maps built outside Quarkus (load drivers, tests that drive
 * {@code NodeStateConsumer} directly): the default topic names, no IPAM registration, no peers, and a
 * periodic pass that never comes during a run.
 */
public record StandaloneAgentConfig(String nodeName, Datapath datapath, Path bpffsDir, Path stateDir)
        implements AgentConfig {

    @Override
    public Duration reconcileInterval() {
        return Duration.ofHours(1);
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
    public Map<String, String> peers() {
        return Map.of();
    }

    @Override
    public String flowsTopic() {
        return "tendril.flows";
    }

    @Override
    public Sync sync() {
        return DefaultTopics.INSTANCE;
    }

    /** tendril.identities, tendril.endpoints, tendril.nodes, tendril.policy. */
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
    }
}
