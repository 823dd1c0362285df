package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.cli.stack.StackFabric;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the launcher removes of a stack's kernel pod network, on scratch directories and a fake ip(8). */
class FabricTeardownTest {

    private static final StackFabric STACK = new StackFabric("td12");

    @TempDir
    Path root;

    private Path netns;
    private final List<String> calls = new ArrayList<>();
    private final Map<String, List<String>> links = new HashMap<>();
    private FabricTeardown teardown;

    @BeforeEach
    void fabric() throws IOException {
        netns = Files.createDirectories(root.resolve("netns"));
        teardown =
                new FabricTeardown(STACK, netns, root.resolve("bpffs"), root.resolve("locks"), new FabricTeardown.Ip() {
                    @Override
                    public List<String> links(String name) {
                        return links.getOrDefault(name, List.of("lo"));
                    }

                    @Override
                    public void deleteLink(String name, String link) {
                        calls.add("link del " + name + " " + link);
                    }

                    @Override
                    public void deleteNetns(String name) {
                        calls.add("netns del " + name);
                    }
                });
    }

    @Test
    void removesThePodsThenTheNodesThenTheSwitchWithTheirLinksAndOnlyThisStacksNamespaces() throws IOException {
        for (String name : List.of(
                "td12",
                "td12_node-1",
                "td12_node-2",
                "td12_node-1_demo_web-0",
                "td123_node-1",
                "tendril_node-1",
                "other")) {
            Files.createFile(netns.resolve(name));
        }
        links.put("td12_node-1_demo_web-0", List.of("lo", "eth0"));
        links.put("td12_node-1", List.of("lo", "eth0", "cilium_host", "cilium_net"));
        links.put("td12", List.of("lo", "br0", "n1", "n2"));

        assertThat(teardown.namespaces())
                .containsExactly("td12_node-1_demo_web-0", "td12_node-1", "td12_node-2", "td12");
        assertThat(teardown.present()).isTrue();
        assertThat(teardown.remove()).containsExactly("td12_node-1_demo_web-0", "td12_node-1", "td12_node-2", "td12");

        assertThat(calls)
                .containsExactly(
                        "link del td12_node-1_demo_web-0 eth0",
                        "netns del td12_node-1_demo_web-0",
                        "link del td12_node-1 eth0",
                        "link del td12_node-1 cilium_host",
                        "link del td12_node-1 cilium_net",
                        "netns del td12_node-1",
                        "netns del td12_node-2",
                        "link del td12 br0",
                        "link del td12 n1",
                        "link del td12 n2",
                        "netns del td12");
    }

    @Test
    void removesTheStacksBpffsDirectoryAndLockFileButNotAnotherStacks() throws IOException {
        Files.createDirectories(root.resolve("bpffs/td12/node-1"));
        Files.createFile(root.resolve("bpffs/td12/node-1/cilium_lxc"));
        Files.createDirectories(root.resolve("bpffs/td123/node-1"));
        Files.createDirectories(root.resolve("locks"));
        Files.createFile(root.resolve("locks/td12.lock"));
        Files.createFile(root.resolve("locks/td123.lock"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        teardown.removeReporting(new PrintStream(out, true, StandardCharsets.UTF_8), "the kernel pod network");

        assertThat(root.resolve("bpffs/td12")).doesNotExist();
        assertThat(root.resolve("locks/td12.lock")).doesNotExist();
        assertThat(root.resolve("bpffs/td123/node-1")).isDirectory();
        assertThat(root.resolve("locks/td123.lock")).exists();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("fabric     removed the kernel pod network td12: 0" + " network namespaces, "
                        + root.resolve("bpffs/td12") + ", " + root.resolve("locks/td12.lock") + "\n");
    }

    @Test
    void removesTheAgentsPinsWithTheirSocketLbLinksButNotAnotherStacks() throws IOException {
        Path agent = Files.createDirectories(root.resolve("pins/port-8091/node-1"));
        Files.createFile(agent.resolve("link_tendril_sock4_connect"));
        Files.createFile(agent.resolve("link_tendril_sock6_connect"));
        Files.createFile(agent.resolve("cilium_lb4_services_v2"));
        Path other = Files.createDirectories(root.resolve("pins/port-9091/node-1"));
        Files.createFile(other.resolve("link_tendril_sock4_connect"));
        FabricTeardown withAgents = new FabricTeardown(
                STACK,
                netns,
                root.resolve("bpffs"),
                root.resolve("locks"),
                new FabricTeardown.Ip() {
                    @Override
                    public List<String> links(String name) {
                        return List.of("lo");
                    }

                    @Override
                    public void deleteLink(String name, String link) {}

                    @Override
                    public void deleteNetns(String name) {}
                },
                List.of(root.resolve("pins/port-8091")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThat(withAgents.present())
                .as("pinned links are part of the stack's pod network")
                .isTrue();
        withAgents.removeReporting(new PrintStream(out, true, StandardCharsets.UTF_8), "the kernel pod network");

        assertThat(root.resolve("pins/port-8091"))
                .as("the agent's pins: links, maps and programs")
                .doesNotExist();
        assertThat(other.resolve("link_tendril_sock4_connect"))
                .as("another stack's agent")
                .exists();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo(
                        "fabric     removed the kernel pod network td12: 0 network namespaces, 2 socket-LB link pins, "
                                + root.resolve("pins/port-8091") + "\n");
        assertThat(withAgents.present()).isFalse();
    }

    @Test
    void doesNothingAndSaysNothingWhenTheStackHasNoFabric() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        teardown.removeReporting(new PrintStream(out, true, StandardCharsets.UTF_8), "the kernel pod network");

        assertThat(teardown.present()).isFalse();
        assertThat(calls).isEmpty();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
