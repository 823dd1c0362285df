package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --cluster-name}, {@code --cluster-id}, {@code --pod-cidr(-v6)}: checked, and passed to the components. */
class ClusterSpecTest {

    @TempDir
    Path repo;

    @Test
    void defaultsToClusterDefaultIdZeroAndIpamsPools() {
        Launcher launcher = parse();

        assertThat(new ClusterSpec(launcher.clusterName, launcher.clusterId, launcher.podCidr, launcher.podCidrV6))
                .isEqualTo(ClusterSpec.DEFAULT);
        assertThat(ClusterSpec.DEFAULT.podCidrs()).containsExactly("10.0.0.0/8", "fd00::/104");
    }

    @Test
    void refusesBadValuesNamingTheOption() {
        assertThatThrownBy(() -> new ClusterSpec("East", 1, "10.1.0.0/16", "fd00:1::/104"))
                .hasMessageContaining("--cluster-name")
                .hasMessageContaining("'East'");
        assertThatThrownBy(() -> new ClusterSpec("a".repeat(33), 1, "10.1.0.0/16", "fd00:1::/104"))
                .hasMessageContaining("--cluster-name");
        assertThatThrownBy(() -> new ClusterSpec("east-", 1, "10.1.0.0/16", "fd00:1::/104"))
                .hasMessageContaining("--cluster-name");
        assertThatThrownBy(() -> new ClusterSpec("east", 256, "10.1.0.0/16", "fd00:1::/104"))
                .hasMessageContaining("--cluster-id must be 0..255")
                .hasMessageContaining("256");
        assertThatThrownBy(() -> new ClusterSpec("east", -1, "10.1.0.0/16", "fd00:1::/104"))
                .hasMessageContaining("--cluster-id");
        assertThatThrownBy(() -> new ClusterSpec("east", 1, "10.1.0.0", "fd00:1::/104"))
                .hasMessageContaining("--pod-cidr must be a CIDR");
        assertThatThrownBy(() -> new ClusterSpec("east", 1, "fd00:1::/104", "fd00:1::/104"))
                .hasMessageContaining("--pod-cidr must be an IPv4 CIDR");
        assertThatThrownBy(() -> new ClusterSpec("east", 1, "10.1.0.0/25", "fd00:1::/104"))
                .hasMessageContaining("--pod-cidr 10.1.0.0/25 must be /24 or larger");
        assertThatThrownBy(() -> new ClusterSpec("east", 1, "10.1.0.0/16", "10.2.0.0/16"))
                .hasMessageContaining("--pod-cidr-v6 must be an IPv6 CIDR");
    }

    @Test
    void theLauncherRejectsABadClusterIdWithUsageExitTwo() {
        CommandLine cmd = Launcher.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));

        int exit = cmd.execute("--repo", repo.toString(), "--cluster-id", "300");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--cluster-id must be 0..255").contains("tendril up --help");
    }

    @Test
    void findsTheFirstOverlapOfTheSameFamily() {
        assertThat(ClusterSpec.overlap(List.of("10.1.0.0/16", "fd00:1::/104"), List.of("10.2.0.0/16", "fd00:2::/104")))
                .isEmpty();
        assertThat(ClusterSpec.overlap(List.of("10.1.128.0/17", "fd00:3::/104"), List.of("10.1.0.0/16")))
                .contains("10.1.128.0/17 overlaps 10.1.0.0/16");
        assertThat(ClusterSpec.overlap(List.of("10.0.0.0/8"), List.of("fd00::/104")))
                .isEmpty();
    }

    @Test
    void passesNameIdAndPoolsToTheComponentsThatUseThem() {
        ClusterSpec east = new ClusterSpec("east", 1, "10.1.0.0/16", "fd00:1::/104");
        StackConfig config = new StackConfig(
                repo,
                repo.resolve(".tendril"),
                false,
                1,
                9092,
                5432,
                0,
                Duration.ofSeconds(1),
                1,
                Datapath.MODEL,
                StackConfig.DEFAULT_BIND,
                east);
        List<ComponentSpec> specs = config.components();

        assertThat(ChildProperties.cluster(specs.get(0), east))
                .containsEntry("tendril.identity.cluster-name", "east")
                .containsEntry("tendril.identity.cluster-id", "1");
        assertThat(ChildProperties.cluster(specs.get(1), east))
                .containsEntry("tendril.ipam.cluster", "east")
                .containsEntry("tendril.ipam.ipv4.cidrs", "10.1.0.0/16")
                .containsEntry("tendril.ipam.ipv6.cidrs", "fd00:1::/104");
        assertThat(ChildProperties.cluster(specs.get(2), east)).containsEntry("tendril.policy.cluster-name", "east");
        assertThat(ChildProperties.cluster(specs.get(3), east)).containsEntry("tendril.flows.cluster-name", "east");
        ComponentSpec agent = ComponentSpec.agent(1, 8091, repo);
        assertThat(ChildProperties.cluster(agent, east))
                .containsExactly(java.util.Map.entry("tendril.agent.cluster-id", "1"));
    }

    @Test
    void nodesOfAMeshClusterGetAddressesNoOtherClusterUses() {
        ComponentSpec agent = ComponentSpec.agent(2, 8092, repo);

        assertThat(ChildProperties.nodeIp(agent, ClusterSpec.DEFAULT)).isEqualTo("127.0.0.12");
        assertThat(ChildProperties.nodeIp(agent, new ClusterSpec("east", 1, "10.1.0.0/16", "fd00:1::/104")))
                .isEqualTo("127.1.0.12");
        assertThat(ChildProperties.nodeIp(agent, new ClusterSpec("west", 2, "10.2.0.0/16", "fd00:2::/104")))
                .isEqualTo("127.2.0.12");
    }

    private static Launcher parse(String... args) {
        CommandLine cmd = Launcher.commandLine();
        cmd.parseArgs(args);
        return cmd.getCommand();
    }
}
