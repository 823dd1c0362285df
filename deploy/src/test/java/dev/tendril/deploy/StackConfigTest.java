package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.tendril.cli.stack.Kind;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackConfigTest {

    @TempDir
    Path repo;

    @Test
    void runsTheFourServicesThenOneAgentPerNodeOnTheDefaultPorts() {
        StackConfig config = config(2, 0);

        assertThat(config.components())
                .extracting(ComponentSpec::name, ComponentSpec::kind, ComponentSpec::port)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("identity", Kind.SERVICE, 8081),
                        org.assertj.core.groups.Tuple.tuple("ipam", Kind.SERVICE, 8082),
                        org.assertj.core.groups.Tuple.tuple("policy", Kind.SERVICE, 8083),
                        org.assertj.core.groups.Tuple.tuple("flows", Kind.SERVICE, 8084),
                        org.assertj.core.groups.Tuple.tuple("agent-1", Kind.AGENT, 8091),
                        org.assertj.core.groups.Tuple.tuple("agent-2", Kind.AGENT, 8092));
        assertThat(config.components().get(0).jar())
                .isEqualTo(repo.resolve("services/identity/target/quarkus-app/quarkus-run.jar"));
        assertThat(config.components().get(5).jar())
                .isEqualTo(repo.resolve("agent/target/quarkus-app/quarkus-run.jar"));
        assertThat(config.components().get(5).nodeName()).isEqualTo("node-2");
    }

    @Test
    void policyServiceFindsTheIdentityServiceAtTheOffsetPort() {
        assertThat(ChildProperties.policyServiceLinks(config(2, 1000).components()))
                .containsExactly(java.util.Map.entry("tendril.policy.identity-url", "https://127.0.0.1:9081"));
    }

    @Test
    void flowsServiceFindsThePolicyServiceForTheServiceMapsTraceAtTheOffsetPort() {
        assertThat(ChildProperties.flowsServiceLinks(config(2, 1000).components()))
                .containsExactly(java.util.Map.entry("tendril.flows.policy-url", "https://127.0.0.1:9083"));
    }

    @Test
    void agentsFetchTheirPolicyMapsFromThePolicyServiceAtTheOffsetPort() {
        assertThat(ChildProperties.agentPolicyLink(config(2, 1000).components(), "localhost"))
                .containsExactly(java.util.Map.entry("tendril.agent.policy-url", "localhost:9083"));
    }

    @Test
    void givesEveryAgentTheUrlsOfAllAgentsWithThePortOffset() {
        assertThat(ChildProperties.agentPeers(config(2, 1000).components()))
                .containsExactly(
                        java.util.Map.entry("tendril.agent.peers.\"node-1\"", "https://127.0.0.1:9091"),
                        java.util.Map.entry("tendril.agent.peers.\"node-2\"", "https://127.0.0.1:9092"));
    }

    @Test
    void shiftsEveryServiceAndAgentPortByThePortOffset() {
        assertThat(config(1, 1000).components())
                .extracting(ComponentSpec::port)
                .containsExactly(9081, 9082, 9083, 9084, 9091);
    }

    @Test
    void runsASecondReplicaOfEachServiceOneHundredPortsAboveTheFirst() {
        StackConfig config =
                new StackConfig(repo, repo.resolve(".tendril"), false, 1, 9092, 5432, 6000, Duration.ofSeconds(120), 2);

        assertThat(config.components())
                .extracting(ComponentSpec::name, ComponentSpec::port)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("identity", 14081),
                        org.assertj.core.groups.Tuple.tuple("ipam", 14082),
                        org.assertj.core.groups.Tuple.tuple("policy", 14083),
                        org.assertj.core.groups.Tuple.tuple("flows", 14084),
                        org.assertj.core.groups.Tuple.tuple("identity-2", 14181),
                        org.assertj.core.groups.Tuple.tuple("ipam-2", 14182),
                        org.assertj.core.groups.Tuple.tuple("policy-2", 14183),
                        org.assertj.core.groups.Tuple.tuple("flows-2", 14184),
                        org.assertj.core.groups.Tuple.tuple("agent-1", 14091));
        ComponentSpec second = config.components().get(6);
        assertThat(second.jar()).isEqualTo(repo.resolve("services/policy/target/quarkus-app/quarkus-run.jar"));
        assertThat(second.service()).isEqualTo("policy");
        assertThat(ChildProperties.policyServiceLinks(config.components()))
                .containsExactly(java.util.Map.entry("tendril.policy.identity-url", "https://127.0.0.1:14081"));
        assertThat(ChildProperties.flowsServiceLinks(config.components()))
                .as("the service map's trace passes over a policy replica that does not answer")
                .containsExactly(java.util.Map.entry(
                        "tendril.flows.policy-url", "https://127.0.0.1:14083,https://127.0.0.1:14183"));
        assertThat(ChildProperties.agentPolicyLink(config.components(), "localhost"))
                .as("agents fetch their policy maps from either replica")
                .containsExactly(java.util.Map.entry("tendril.agent.policy-url", "localhost:14083,localhost:14183"));
    }

    @Test
    void rejectsOptionsOutOfRange() {
        assertThatThrownBy(() -> config(-1, 0)).hasMessageContaining("--nodes");
        assertThatThrownBy(() -> config(10, 0)).hasMessageContaining("--nodes");
        assertThatThrownBy(() -> config(1, 60_000)).hasMessageContaining("--port-offset");
        assertThatThrownBy(() -> new StackConfig(
                        repo, repo.resolve(".tendril"), false, 1, 9092, 5432, 0, Duration.ofSeconds(1), 3))
                .hasMessageContaining("--replicas");
        assertThatThrownBy(() -> new StackConfig(
                        repo, repo.resolve(".tendril"), false, 1, 9092, 5432, 0, Duration.ofSeconds(1), 0))
                .hasMessageContaining("--replicas");
        assertThatThrownBy(() -> new StackConfig(
                        repo, repo.resolve(".tendril"), false, 1, 70_000, 5432, 0, Duration.ofSeconds(1)))
                .hasMessageContaining("--kafka-port");
        assertThatThrownBy(() ->
                        new StackConfig(repo.resolve("missing"), repo, false, 1, 9092, 5432, 0, Duration.ofSeconds(1)))
                .hasMessageContaining("--repo");
    }

    @Test
    void namesTheDataDirectoryForTheCommandsOnlyWhenItIsNotTheDefault() {
        assertThat(config(2, 0).dataDirOption()).isEmpty();
        Path elsewhere = repo.resolve("elsewhere");
        assertThat(new StackConfig(repo, elsewhere, false, 2, 9092, 5432, 0, Duration.ofSeconds(1)).dataDirOption())
                .isEqualTo(" --data-dir " + elsewhere);
    }

    @Test
    void givesEveryAgentTheDatapathTheStacksFabricPrefixAndItsNodeIndex() {
        StackConfig kernel = new StackConfig(
                repo, repo.resolve("data"), false, 2, 9092, 5432, 0, Duration.ofSeconds(1), 1, Datapath.KERNEL);
        StackConfig other = new StackConfig(
                repo, repo.resolve("other"), false, 2, 9092, 5432, 1000, Duration.ofSeconds(1), 1, Datapath.AUTO);
        String prefix = kernel.fabric().prefix();

        assertThat(ChildProperties.podNetwork(kernel.components().get(5), kernel))
                .containsExactly(
                        entry("tendril.agent.pod-network", "kernel"),
                        entry("tendril.agent.fabric.prefix", prefix),
                        entry("tendril.agent.fabric.node-index", "2"));
        // What the agent accepts (StackPrefix), and short: the agent's names are <prefix>_<node>_<ns>_<pod>.
        assertThat(prefix).matches("td[0-9a-f]{8}");
        assertThat(ChildProperties.podNetwork(other.components().get(4), other))
                .containsEntry("tendril.agent.pod-network", "auto")
                .containsEntry("tendril.agent.fabric.node-index", "1")
                .doesNotContainEntry("tendril.agent.fabric.prefix", prefix);
        assertThat(config(2, 0).datapath()).isEqualTo(Datapath.MODEL);
        assertThat(ChildProperties.podNetwork(config(1, 0).components().get(4), config(1, 0)))
                .containsEntry("tendril.agent.pod-network", "model");
    }

    private StackConfig config(int nodes, int offset) {
        return new StackConfig(
                repo, repo.resolve(".tendril"), false, nodes, 9092, 5432, offset, Duration.ofSeconds(120));
    }
}
