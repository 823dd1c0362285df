package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFabric;
import dev.tendril.cli.stack.StackFile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the real launcher in a child JVM against the built service and agent jars: everything becomes ready, and
 * SIGTERM leaves no process behind. Skipped when the jars are not built (the reactor builds them before deploy).
 */
class LauncherEndToEndTest {

    // Service and agent HTTP ports are fixed; the offset keeps this run clear of a local stack on 8081-8092.
    private static final int PORT_OFFSET = 1000;
    // Failure guards only: a healthy run takes a fraction of these.
    private static final Duration READY_GUARD = Duration.ofMinutes(4);
    private static final Duration EXIT_GUARD = Duration.ofMinutes(1);

    private final Path repo =
            Path.of(System.getProperty("tendril.repo", "..")).toAbsolutePath().normalize();
    private LauncherOutput output;
    private Path dataDir;
    private Process launcher;

    @BeforeEach
    void requireBuiltJars() throws IOException {
        dataDir = TestLauncher.dataDirOrSkip(
                repo,
                new StackConfig(repo, repo.resolve(".tendril"), false, 1, 0, 0, PORT_OFFSET, Duration.ofSeconds(1)),
                "launcher end-to-end test",
                "e2e-stack-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (launcher != null && launcher.isAlive()) {
            launcher.destroyForcibly();
        }
        if (dataDir != null) {
            try (Stream<Path> tree = Files.walk(dataDir)) {
                tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void startsEverythingHealthyAndLeavesNoProcessBehindAfterSigterm() throws Exception {
        launcher = new ProcessBuilder(TestLauncher.command(
                        "1g", repo, dataDir, PORT_OFFSET, "--nodes", "1", "--ready-timeout", "180s"))
                .redirectErrorStream(true)
                .start();
        output = LauncherOutput.of(launcher);

        output.awaitLine("Tendril is ready.", READY_GUARD);
        // The default datapath, auto: the kernel where it runs, else the model with the reason; up shows which.
        assertThat(output.lines())
                .as(output.text())
                .contains("datapath   auto: network namespaces "
                        + StackFabric.of(dataDir).prefix() + "_<node>[_<namespace>_<pod>]");
        String podNetwork = output.lines().stream()
                .filter(line -> line.matches("agent-1 +pod network: .*"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no pod network line:\n" + output.text()));
        assertThat(podNetwork).matches("agent-1 +pod network: (kernel \\(tc\\), 0 programs|model: auto: .+)");
        boolean kernel = podNetwork.contains("kernel (tc)");

        StackFile stack = StackFile.read(dataDir).orElseThrow();
        assertThat(stack.ready()).isTrue();
        assertThat(stack.launcherPid()).isEqualTo(launcher.pid());
        assertThat(stack.components())
                .extracting(Component::name)
                .containsExactly("postgres", "kafka", "identity", "ipam", "policy", "flows", "agent-1");
        HttpClient http = AdminTls.http(dataDir);
        ObjectMapper json = new ObjectMapper();
        for (Component c : stack.components()) {
            if (c.kind() == Kind.SERVICE || c.kind() == Kind.AGENT) {
                assertThat(c.port()).isGreaterThan(PORT_OFFSET);
                HttpResponse<String> ready = http.send(
                        HttpRequest.newBuilder(URI.create(c.url() + "/q/health/ready"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(ready.statusCode()).as(c.name() + " readiness").isEqualTo(200);
                assertThat(json.readTree(ready.body()).path("status").asText())
                        .as(c.name())
                        .isEqualTo("UP");
            }
        }
        assertThat(dataDir.resolve("launcher.pid"))
                .content(StandardCharsets.UTF_8)
                .isEqualToIgnoringWhitespace(Long.toString(launcher.pid()));

        List<ProcessHandle> started = new ArrayList<>(launcher.descendants().toList());
        for (Component c : stack.components()) {
            ProcessHandle.of(c.pid()).ifPresent(started::add);
        }
        assertThat(started)
                .extracting(ProcessHandle::pid)
                .as("postgres and every service and agent run")
                .containsAll(stack.components().stream().map(Component::pid).toList());

        // As root (on the bpffs the launcher mounts when none is) the agent pins its maps here, unless bpf(2) is
        // refused.
        Path pins = BpfFilesystem.agentPins(StackConfig.AGENT_PORT_BASE + 1 + PORT_OFFSET);
        boolean pinned =
                BpfFilesystem.isRoot(Files.readAllLines(Path.of("/proc/self/status"))) && Files.isDirectory(pins);

        // SIGTERM through the handle: Process.destroy() would also close the output this test still reads.
        launcher.toHandle().destroy();

        assertThat(launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS))
                .as("launcher exits on SIGTERM")
                .isTrue();
        output.awaitEnd(EXIT_GUARD);
        assertThat(launcher.exitValue())
                .as("launcher exit code\n" + output.text())
                .isZero();
        assertThat(output.lines()).contains("Tendril stopped.");
        FabricTeardown fabric = FabricTeardown.system(StackFabric.of(dataDir), FabricTeardown.agentPinsOf(dataDir));
        if (kernel) {
            // Fail-static: stopping keeps the node's namespace; './tendril down' removes it after the launcher.
            assertThat(output.lines())
                    .anyMatch(line -> line.startsWith("fabric     kept the kernel pod network "
                            + StackFabric.of(dataDir).prefix()));
            assertThat(fabric.namespaces()).contains(StackFabric.of(dataDir).nodeNetns("node-1"));
            fabric.remove();
            assertThat(fabric.present()).isFalse();
        }
        if (pinned) {
            // Stopping (./tendril down) leaves the agent's maps pinned for the next start; only --fresh removes them.
            assertThat(pins).isDirectory();
            BpfFilesystem.system(BpfFilesystem.PINS).removePins(List.of(StackConfig.AGENT_PORT_BASE + 1 + PORT_OFFSET));
        }
        // PostgreSQL is a daemon, not the launcher's child: init reaps it a moment after it exits.
        List<ProcessHandle> alive = awaitGone(started, EXIT_GUARD);
        assertThat(alive.stream()
                        .map(h -> h.pid() + " " + h.info().commandLine().orElse("(exited, not yet reaped)")))
                .as("processes alive after the launcher stopped")
                .isEmpty();
        assertThat(dataDir.resolve("launcher.pid")).doesNotExist();
    }

    private static List<ProcessHandle> awaitGone(List<ProcessHandle> processes, Duration guard)
            throws InterruptedException {
        long deadline = System.nanoTime() + guard.toNanos();
        List<ProcessHandle> alive =
                processes.stream().filter(ProcessHandle::isAlive).toList();
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            alive = alive.stream().filter(ProcessHandle::isAlive).toList();
        }
        return alive;
    }
}
