package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code clustermesh connect} refuses before it touches anything; each refusal names the clash. The peers here
 * are data directories whose stack.json names this JVM as a running launcher (no Kafka answers behind them, so a
 * peer that passes every other check is refused as unreachable).
 */
class PeerCheckTest {

    private static final ClusterSpec EAST = new ClusterSpec("east", 1, "10.1.0.0/16", "fd00:1::/104");

    @TempDir
    Path dir;

    @Test
    void refusesThisClustersOwnIdOrName() throws Exception {
        assertThatThrownBy(() -> check(EAST, List.of(), peer("twin", 1, "10.9.0.0/16")))
                .isInstanceOf(MeshRefused.class)
                .hasMessageContaining("cluster id 1, this cluster's own (east)");
        assertThatThrownBy(() -> check(EAST, List.of(), peer("east", 7, "10.9.0.0/16")))
                .hasMessageContaining("the peer's cluster name 'east' is this cluster's own");
    }

    @Test
    void refusesIdZeroOnEitherSide() throws Exception {
        assertThatThrownBy(() -> check(EAST, List.of(), peer("west", 0, "10.2.0.0/16")))
                .hasMessageContaining("cluster id 0, which cannot join a mesh");
        ClusterSpec unmeshed = new ClusterSpec("lonely", 0, "10.3.0.0/16", "fd00:3::/104");
        assertThatThrownBy(() -> check(unmeshed, List.of(), peer("west", 2, "10.2.0.0/16")))
                .hasMessageContaining("this cluster's id is 0")
                .hasMessageContaining("--cluster-id");
    }

    @Test
    void refusesPodCidrsOverlappingThisClustersOrAConnectedPeers() throws Exception {
        assertThatThrownBy(() -> check(EAST, List.of(), peer("west", 2, "10.1.128.0/17")))
                .hasMessageContaining("10.1.128.0/17 overlaps 10.1.0.0/16 of this cluster (east)");
        MeshPeers.Peer north = new MeshPeers.Peer("north", 3, List.of("10.3.0.0/16", "fd00:3::/104"), "/x", 0);
        assertThatThrownBy(() -> check(EAST, List.of(north), peer("west", 2, "10.3.7.0/24")))
                .hasMessageContaining("10.3.7.0/24 overlaps 10.3.0.0/16 of the connected peer north");
        assertThatThrownBy(() -> check(EAST, List.of(north), peer("west", 3, "10.2.0.0/16")))
                .hasMessageContaining("cluster id 3, as the connected peer north");
        assertThatThrownBy(() -> check(EAST, List.of(north), peer("north", 4, "10.4.0.0/16")))
                .hasMessageContaining("already connected to north");
    }

    @Test
    void refusesAPeerThatIsNotRunningOrNotAStack() throws Exception {
        assertThatThrownBy(() -> check(EAST, List.of(), Files.createDirectories(dir.resolve("empty"))))
                .hasMessageContaining("holds no stack.json");
        Path stopped = peer("west", 2, "10.2.0.0/16");
        new StackFile(
                        Long.MAX_VALUE,
                        stopped.toString(),
                        "2026-01-01T00:00:00Z",
                        true,
                        List.of(),
                        new StackFile.Cluster("west", 2, List.of("10.2.0.0/16")))
                .write(stopped);
        assertThatThrownBy(() -> check(EAST, List.of(), stopped)).hasMessageContaining("is not running");
    }

    @Test
    void refusesAPeerWhoseKafkaDoesNotAnswer() throws Exception {
        assertThatThrownBy(() -> check(EAST, List.of(), peer("west", 2, "10.2.0.0/16")))
                .isInstanceOf(MeshRefused.class)
                .hasMessageContaining("the peer west's Kafka at 127.0.0.1:1 does not answer");
    }

    @Test
    void refusesAPeerByAddressThatNamesNoPodCidrsOrOneThatIsNoCidr() {
        PeerCheck check = new PeerCheck(config(EAST), List.of());

        assertThatThrownBy(() -> check.clashes("west", 2, List.of()))
                .isInstanceOf(MeshRefused.class)
                .hasMessage("the peer west names no pod CIDRs");
        assertThatThrownBy(() -> check.clashes("west", 2, List.of("10.2.0.0/16", "fd00:2::/129")))
                .isInstanceOf(MeshRefused.class)
                .hasMessageStartingWith("the peer west's pod CIDR 'fd00:2::/129' is not a CIDR");
        assertThatThrownBy(() -> check.clashes("West!", 2, List.of("10.2.0.0/16")))
                .isInstanceOf(MeshRefused.class)
                .hasMessageContaining("the peer's cluster name must be 1-32 lower-case alphanumerics");
    }

    private void check(ClusterSpec local, List<MeshPeers.Peer> existing, Path peer) {
        new PeerCheck(config(local), existing).check(peer);
    }

    private StackConfig config(ClusterSpec local) {
        return new StackConfig(
                dir,
                dir.resolve("local"),
                false,
                1,
                9092,
                5432,
                0,
                Duration.ofSeconds(1),
                1,
                Datapath.MODEL,
                StackConfig.DEFAULT_BIND,
                local);
    }

    private Path peer(String name, int id, String podCidr) throws Exception {
        Path peer = Files.createTempDirectory(dir, name);
        new StackFile(
                        ProcessHandle.current().pid(),
                        peer.toString(),
                        "2026-01-01T00:00:00Z",
                        true,
                        List.of(new Component("kafka", Kind.KAFKA, 1, "127.0.0.1:1", null, null)),
                        new StackFile.Cluster(name, id, List.of(podCidr)))
                .write(peer);
        return peer;
    }
}
