package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.restart.SupervisorFile;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.StackFile;
import dev.tendril.cli.status.HealthProbe;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import picocli.CommandLine;

/**
 * The real launcher supervising the built jars: a service killed with SIGKILL is started again and healthy with one
 * restart, {@code tendril restart} restarts another, {@code tendril status} shows both, and SIGTERM stops everything
 * without restarting anything.
 */
class SupervisionEndToEndTest {

    // Clear of LauncherEndToEndTest (1000), WalkthroughEndToEndTest (2000) and a local stack.
    private static final int PORT_OFFSET = 1500;
    // Failure guards only.
    private static final Duration READY_GUARD = Duration.ofMinutes(4);
    private static final Duration RECOVERY_GUARD = Duration.ofMinutes(3);
    private static final Duration EXIT_GUARD = Duration.ofMinutes(1);

    private final Path repo =
            Path.of(System.getProperty("tendril.repo", "..")).toAbsolutePath().normalize();
    private LauncherOutput output;
    private HealthProbe probe;
    private Path dataDir;
    private Process launcher;

    @BeforeEach
    void requireBuiltJars() throws IOException {
        dataDir = TestLauncher.dataDirOrSkip(
                repo,
                new StackConfig(repo, repo.resolve(".tendril"), false, 1, 0, 0, PORT_OFFSET, Duration.ofSeconds(1)),
                "supervision end-to-end test",
                "supervision-stack-");
    }

    @AfterEach
    void cleanUp() throws IOException, InterruptedException {
        if (launcher != null && launcher.isAlive()) {
            launcher.toHandle().destroy();
            launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS);
            launcher.destroyForcibly();
        }
        if (dataDir != null) {
            try (Stream<Path> tree = Files.walk(dataDir)) {
                tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void restartsAKilledServiceAndOneOnRequestAndStopsWithoutRestarting() throws Exception {
        launcher = new ProcessBuilder(TestLauncher.command(
                        "256m",
                        repo,
                        dataDir,
                        PORT_OFFSET,
                        "--nodes",
                        "1",
                        // The model: supervision is about processes; no packet is sent.
                        "--datapath",
                        "model",
                        "--ready-timeout",
                        "180s"))
                .redirectErrorStream(true)
                .start();
        output = LauncherOutput.of(launcher);
        output.awaitLine("Tendril is ready.", READY_GUARD);
        probe = new HealthProbe(AdminTls.of(dataDir));
        List<ProcessHandle> everStarted = new ArrayList<>(launcher.descendants().toList());

        // kill -9 a service: the supervisor starts it again after the first back-off step and counts one restart.
        Component identity = component("identity");
        ProcessHandle killed = ProcessHandle.of(identity.pid()).orElseThrow();
        assertThat(killed.destroyForcibly()).isTrue();
        await("identity healthy again with one restart")
                .atMost(RECOVERY_GUARD)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    SupervisorFile.Supervised now = supervised("identity");
                    assertThat(now.restarts()).isEqualTo(1);
                    assertThat(now.state()).isEqualTo("running");
                    assertThat(now.pid()).isNotEqualTo(identity.pid());
                    assertThat(now.lastExit().reason()).isEqualTo("killed by SIGKILL");
                    assertThat(probe.check(component("identity")).ok()).isTrue();
                });
        assertThat(component("identity").pid())
                .as("stack.json follows the new process")
                .isEqualTo(supervised("identity").pid());

        // tendril restart on another component: stopped, started at once, healthy again.
        Component policy = component("policy");
        Result restart = cli("restart", "policy", "--data-dir", dataDir.toString(), "--wait", "--timeout", "180s");
        assertThat(restart.exitCode()).as(restart.err()).isZero();
        assertThat(restart.out()).startsWith("Restarted policy: pid " + policy.pid() + " -> ");
        SupervisorFile.Supervised restarted = supervised("policy");
        assertThat(restarted.restarts()).isEqualTo(1);
        assertThat(restarted.pid()).isNotEqualTo(policy.pid());
        assertThat(restarted.lastExit().reason()).isEqualTo("restarted on request");
        assertThat(ProcessHandle.of(policy.pid()).filter(ProcessHandle::isAlive))
                .isEmpty();

        Result unknown = cli("restart", "policy-9", "--data-dir", dataDir.toString());
        assertThat(unknown.exitCode()).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(unknown.err().lines()).singleElement().asString().startsWith("Error: unknown component 'policy-9'");

        Result status = cli("status", "--data-dir", dataDir.toString(), "--wait", "--timeout", "120s", "-o", "json");
        assertThat(status.exitCode()).as(status.out()).isZero();
        JsonNode report = new ObjectMapper().readTree(status.out());
        for (JsonNode c : report.path("components")) {
            int expected = List.of("identity", "policy").contains(c.path("name").asText()) ? 1 : 0;
            assertThat(c.path("restarts").asInt(-1))
                    .as(c.path("name").asText() + " restarts")
                    .isEqualTo(expected);
        }
        Result text = cli("status", "--data-dir", dataDir.toString());
        assertThat(text.out())
                .containsPattern("(?m)^identity\\s+OK\\s+\\S+\\s+restarts 1\\s+last exit: killed by SIGKILL");

        everStarted.addAll(launcher.descendants().toList());
        launcher.toHandle().destroy();
        assertThat(launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS))
                .as("launcher exits on SIGTERM")
                .isTrue();
        output.awaitEnd(EXIT_GUARD);
        assertThat(launcher.exitValue()).as(output.text()).isZero();
        List<String> printed = output.lines();
        List<String> afterStop =
                printed.subList(printed.indexOf("SIGTERM received: stopping Tendril..."), printed.size());
        assertThat(afterStop).as("nothing restarts while the stack stops").noneMatch(l -> l.contains("started again"));
        await("every process the launcher started is gone")
                .atMost(EXIT_GUARD)
                .until(() -> everStarted.stream().noneMatch(ProcessHandle::isAlive));
        assertThat(supervised("kafka").state()).isEqualTo("stopped");
    }

    private Component component(String name) {
        return StackFile.read(dataDir).orElseThrow().components().stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private SupervisorFile.Supervised supervised(String name) {
        return SupervisorFile.read(dataDir).orElseThrow().component(name).orElseThrow();
    }

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return new Result(cmd.execute(args), out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err) {}
}
