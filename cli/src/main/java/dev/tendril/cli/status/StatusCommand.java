package dev.tendril.cli.status;

import dev.tendril.cli.OutputOption;
import dev.tendril.cli.stack.Stack;
import dev.tendril.cli.stack.StackOption;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tendril status}: one line per component, a summary, exit 0 only when every component is OK. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show whether every component of the local stack is up (exit 0 only when all are OK).")
public final class StatusCommand implements Callable<Integer> {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);

    @Mixin
    StackOption stackOption;

    @Mixin
    OutputOption output;

    @Option(names = "--wait", description = "Wait until every component is OK (or the timeout passes).")
    boolean waitForReady;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
            description = "How long --wait waits, e.g. 90s or 2m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Spec
    CommandSpec spec;

    private final HealthProbe probe = new HealthProbe();

    @Override
    public Integer call() throws InterruptedException {
        Stack stack = stackOption.stack();
        List<ComponentHealth> results = probe.checkAll(stack.components());
        if (waitForReady) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!allOk(results) && System.nanoTime() < deadline) {
                Thread.sleep(POLL_INTERVAL);
                results = probe.checkAll(stack.components());
            }
        }
        StatusReport report = StatusReport.of(stack, results);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOption.printJson(out, report);
        } else {
            report.printText(out);
        }
        return report.healthy() ? 0 : 1;
    }

    private static boolean allOk(List<ComponentHealth> results) {
        return results.stream().allMatch(ComponentHealth::ok);
    }
}
