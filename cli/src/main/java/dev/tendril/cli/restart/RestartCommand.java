package dev.tendril.cli.restart;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.WaitOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code tendril restart COMPONENT}: asks the running launcher (its control endpoint on loopback, found in
 * {@code supervisor.json}) to stop one component and start it again, like {@code systemctl restart} or
 * {@code kubectl rollout restart}.
 */
@Command(
        name = "restart",
        mixinStandardHelpOptions = true,
        description = {
            "Restart one component of the local stack (postgres, kafka, identity, ipam, policy, flows,",
            "agent-N): the launcher stops it (SIGTERM, then SIGKILL after its grace period) and starts it again."
        })
public final class RestartCommand implements Callable<Integer> {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);

    @Parameters(paramLabel = "COMPONENT", description = "The component to restart, as 'tendril status' names it.")
    String name;

    @Mixin
    StackOutputOptions options;

    @Mixin
    WaitOptions wait = new WaitOptions(Duration.ofSeconds(120));

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path dataDir = options.dataDir();
        LauncherControl control = LauncherControl.of(dataDir, options.clientTls());
        SupervisorFile supervisor = control.supervisor();
        if (supervisor.component(name).isEmpty()) {
            throw new IllegalArgumentException("unknown component '" + name + "' (the stack runs: "
                    + String.join(
                            ", ",
                            supervisor.components().stream()
                                    .map(SupervisorFile.Supervised::name)
                                    .toList())
                    + ")");
        }
        JsonNode body = control.send("POST", "/v1/components/" + name + "/restart", null, REQUEST_TIMEOUT);
        long pid = body.path("pid").asLong();
        if (wait.enabled()) {
            awaitRunning(dataDir, pid);
        }
        PrintWriter out = options.out();
        if (options.json()) {
            options.printJson(body);
        } else {
            out.println("Restarted " + name + ": pid "
                    + (body.path("previousPid").isNull()
                                    || body.path("previousPid").isMissingNode()
                            ? "-"
                            : body.path("previousPid").asText())
                    + " -> "
                    + pid + " (restarts: " + body.path("restarts").asInt() + ")"
                    + (wait.enabled()
                            ? "; it is healthy again."
                            : "; 'tendril status --wait' waits until it is healthy."));
            out.flush();
        }
        return 0;
    }

    private void awaitRunning(Path dataDir, long pid) throws InterruptedException {
        Duration timeout = wait.timeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<SupervisorFile.Supervised> now =
                    SupervisorFile.read(dataDir).flatMap(f -> f.component(name));
            if (now.isPresent()
                    && Long.valueOf(pid).equals(now.get().pid())
                    && "running".equals(now.get().state())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        name + " (pid " + pid + ") was not healthy within " + timeout.toSeconds() + " s; see its log");
            }
            Thread.sleep(POLL_INTERVAL);
        }
    }
}
