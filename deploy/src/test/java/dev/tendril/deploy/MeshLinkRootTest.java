package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.cli.stack.StackFabric;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link {@code tendril clustermesh connect} puts between two stacks' switches, on this machine's real network
 * namespaces as root: both ends bridged, named after the other stack, one layer-2 network for the two stacks' nodes;
 * removed by disconnect and by either stack's {@code ./tendril down}. Skipped, saying why, without root or ip(8).
 */
class MeshLinkRootTest {

    @TempDir
    Path eastDir;

    @TempDir
    Path westDir;

    @TempDir
    Path locks;

    private StackFabric east;
    private StackFabric west;
    private MeshLink link;

    @BeforeEach
    void requireRoot() throws IOException, InterruptedException {
        String skip = MeshLink.unavailableReason()
                .orElse(run(List.of("ip", "netns", "list")).code() != 0 ? "no ip(8) with netns support" : null);
        if (skip != null) {
            System.out.println("SKIPPING MeshLinkRootTest: " + skip);
            Assumptions.abort(skip);
        }
        east = StackFabric.of(eastDir);
        west = StackFabric.of(westDir);
        link = new MeshLink(MeshLinkRootTest::ip, StackFabric.NETNS_DIR, locks);
    }

    @AfterEach
    void removeLeftovers() throws IOException, InterruptedException {
        for (StackFabric fabric : new StackFabric[] {east, west}) {
            if (fabric == null) {
                continue;
            }
            for (String name : List.of(fabric.nodeNetns("node-1"), fabric.prefix())) {
                if (Files.exists(StackFabric.NETNS_DIR.resolve(name))) {
                    run(List.of("ip", "netns", "del", name));
                }
            }
        }
    }

    @Test
    void connectJoinsTheTwoSwitchesIntoOneNetworkOfBothClustersNodes() throws Exception {
        assertThat(link.ensure(east, "east", west, "west")).isTrue();

        String eastEnd = "m" + west.prefix();
        String westEnd = "m" + east.prefix();
        String inEast = run(List.of("ip", "-n", east.prefix(), "-d", "link", "show", eastEnd))
                .out();
        String inWest = run(List.of("ip", "-n", west.prefix(), "-d", "link", "show", westEnd))
                .out();
        assertThat(inEast).contains("master br0").contains("alias mesh:west").contains("state UP");
        assertThat(inWest).contains("master br0").contains("alias mesh:east").contains("state UP");
        assertThat(link.linked(east, west)).isTrue();
        assertThat(link.linked(west, east)).isTrue();
        // Again (a restarted launcher, the other side's connect): the working link is kept.
        assertThat(link.ensure(west, "west", east, "east")).isFalse();

        // A node of each cluster on its own switch, with its cluster's underlay address: they reach each other.
        node(east, "172.31.1.1/16");
        node(west, "172.31.2.1/16");
        // A TCP connect to a closed port: refused (a RST from west's node) only when it is reachable.
        Result connect = run(List.of(
                "ip",
                "netns",
                "exec",
                east.nodeNetns("node-1"),
                "timeout",
                "5",
                "bash",
                "-c",
                "</dev/tcp/172.31.2.1/9"));
        assertThat(connect.out()).as(connect.toString()).contains("Connection refused");
    }

    @Test
    void disconnectRemovesBothEnds() throws Exception {
        link.ensure(east, "east", west, "west");

        assertThat(link.remove(east, west)).isTrue();

        assertThat(link.linked(east, west)).isFalse();
        assertThat(link.linked(west, east)).isFalse();
        assertThat(run(List.of("ip", "-n", west.prefix(), "-o", "link", "show")).out())
                .doesNotContain("m" + east.prefix());
        assertThat(link.remove(east, west)).isFalse();
    }

    @Test
    void downOfEitherStackRemovesTheLinkAndLeavesThePeersSwitch() throws Exception {
        link.ensure(east, "east", west, "west");

        FabricTeardown.system(east).remove();

        assertThat(StackFabric.NETNS_DIR.resolve(east.prefix())).doesNotExist();
        assertThat(StackFabric.NETNS_DIR.resolve(west.prefix())).exists();
        assertThat(link.linked(west, east)).isFalse();
        assertThat(run(List.of("ip", "-n", west.prefix(), "-o", "link", "show")).out())
                .contains("br0")
                .doesNotContain("m" + east.prefix());
    }

    @Test
    void aLinkThatFailsHalfWayIsRemovedAgainAndTheFailureNamesTheCommand() {
        MeshLink failing = new MeshLink(
                args -> {
                    if (args.contains("master")) {
                        throw new IllegalStateException("ip " + String.join(" ", args) + ": exit 2: refused");
                    }
                    return ip(args);
                },
                StackFabric.NETNS_DIR,
                locks);

        assertThatThrownBy(() -> failing.ensure(east, "east", west, "west"))
                .hasMessageContaining("master br0")
                .hasMessageContaining("refused");

        assertThat(link.linked(east, west)).isFalse();
        assertThat(link.linked(west, east)).isFalse();
    }

    @Test
    void aFabricLockHeldByAnotherProcessFailsTheLinkAtItsDeadlineNamingTheLockAndChangesNothing() throws Exception {
        Path lockFile = locks.resolve(west.prefix() + ".lock");
        Process holder = holdLock(lockFile);
        try {
            MeshLink impatient =
                    new MeshLink(MeshLinkRootTest::ip, StackFabric.NETNS_DIR, locks, Duration.ofSeconds(1));

            assertThatThrownBy(() -> impatient.ensure(east, "east", west, "west"))
                    .hasMessageContaining(lockFile.toString())
                    .hasMessageContaining("stayed locked");
            assertThatThrownBy(() -> impatient.remove(east, west)).hasMessageContaining(lockFile.toString());

            assertThat(StackFabric.NETNS_DIR.resolve(east.prefix())).doesNotExist();
            assertThat(StackFabric.NETNS_DIR.resolve(west.prefix())).doesNotExist();
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        // Released: the link is made.
        assertThat(link.ensure(east, "east", west, "west")).isTrue();
    }

    private static String ip(List<String> args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(args);
        return HostCommand.run(command);
    }

    /** Another process (a JVM running a one-file program) holding the fcntl lock on {@code file}, as an agent does. */
    private Process holdLock(Path file) throws IOException {
        Path program = locks.resolve("HoldLock.java");
        Files.writeString(program, """
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;

                class HoldLock {
                    public static void main(String[] args) throws Exception {
                        try (FileChannel ch = FileChannel.open(
                                        Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                                var lock = ch.lock()) {
                            System.out.println("locked");
                            System.out.flush();
                            Thread.sleep(120_000);
                        }
                    }
                }
                """);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process holder = new ProcessBuilder(java, program.toString(), file.toString())
                .redirectErrorStream(true)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).as("the lock holder's first line").isEqualTo("locked");
        return holder;
    }

    /** A node namespace on the switch: uplink eth0 with {@code address}, its port bridged. */
    private void node(StackFabric fabric, String address) throws Exception {
        String ns = fabric.nodeNetns("node-1");
        for (List<String> command : List.of(
                List.of("ip", "netns", "add", ns),
                List.of(
                        "ip",
                        "-n",
                        fabric.prefix(),
                        "link",
                        "add",
                        "n1",
                        "type",
                        "veth",
                        "peer",
                        "name",
                        "eth0",
                        "netns",
                        ns),
                List.of("ip", "-n", fabric.prefix(), "link", "set", "n1", "master", "br0", "up"),
                List.of("ip", "-n", ns, "addr", "add", address, "dev", "eth0"),
                List.of("ip", "-n", ns, "link", "set", "eth0", "up"))) {
            Result r = run(command);
            assertThat(r.code()).as(r.toString()).isZero();
        }
    }

    private record Result(int code, String out) {}

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor(30, TimeUnit.SECONDS)
                ? new Result(p.exitValue(), String.join(" ", command) + " -> " + out)
                : new Result(-1, out);
    }
}
