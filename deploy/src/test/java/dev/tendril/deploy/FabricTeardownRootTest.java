package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.cli.stack.StackFabric;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./tendril down}'s clean-up on this machine's real network namespaces, as root: {@code FabricTeardown DATA_DIR}
 * in a child JVM, as the script runs it, removes the stack's switch, node and pod namespaces with their veths and
 * bridge, and leaves another stack's. Skipped, saying why, without root or ip(8).
 */
class FabricTeardownRootTest {

    @TempDir
    Path dataDir;

    @TempDir
    Path otherDataDir;

    private StackFabric stack;
    private StackFabric other;

    @BeforeEach
    void requireRoot() throws IOException, InterruptedException {
        String skip = !BpfFilesystem.isRoot(Files.readAllLines(Path.of("/proc/self/status")))
                ? "not root"
                : run(List.of("ip", "netns", "list")) != 0 ? "no ip(8) with netns support" : null;
        if (skip != null) {
            System.out.println("SKIPPING FabricTeardownRootTest: " + skip);
            Assumptions.abort(skip);
        }
        stack = StackFabric.of(dataDir);
        other = StackFabric.of(otherDataDir);
    }

    @AfterEach
    void removeLeftovers() throws IOException, InterruptedException {
        for (StackFabric fabric : List.of(stack, other)) {
            if (fabric == null) {
                continue;
            }
            for (String name :
                    List.of(fabric.podNetns("node-1", "demo", "web-0"), fabric.nodeNetns("node-1"), fabric.prefix())) {
                if (Files.exists(StackFabric.NETNS_DIR.resolve(name))) {
                    run(List.of("ip", "netns", "del", name));
                }
            }
        }
    }

    @Test
    void downRemovesEveryNamespaceWithTheStacksPrefixAndNoOtherStacks() throws Exception {
        String sw = stack.prefix();
        String node = stack.nodeNetns("node-1");
        String pod = stack.podNetns("node-1", "demo", "web-0");
        for (String name : List.of(sw, node, pod, other.nodeNetns("node-1"))) {
            assertThat(run(List.of("ip", "netns", "add", name))).isZero();
        }
        assertThat(run(List.of("ip", "-n", sw, "link", "add", "br0", "type", "bridge")))
                .isZero();
        assertThat(run(List.of(
                        "ip", "-n", sw, "link", "add", "n1", "type", "veth", "peer", "name", "eth0", "netns", node)))
                .isZero();
        assertThat(run(List.of(
                        "ip",
                        "-n",
                        node,
                        "link",
                        "add",
                        "lxc0123456789a",
                        "type",
                        "veth",
                        "peer",
                        "name",
                        "eth0",
                        "netns",
                        pod)))
                .isZero();

        Process down = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        FabricTeardown.class.getName(),
                        dataDir.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(down.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(down.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(down.exitValue()).as(output).isZero();
        assertThat(output).contains("removed the kernel pod network " + sw + ": 3 network namespaces");
        for (String name : List.of(sw, node, pod)) {
            assertThat(StackFabric.NETNS_DIR.resolve(name)).doesNotExist();
        }
        assertThat(StackFabric.NETNS_DIR.resolve(other.nodeNetns("node-1"))).exists();
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
