package dev.tendril.cli.status;

import dev.tendril.cli.Progress;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.WaitOptions;
import dev.tendril.cli.restart.SupervisorFile;
import dev.tendril.cli.stack.Stack;
import dev.tendril.cli.stack.StackFile;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tendril status}: one line per component, the object counts, a summary; exit 0 only when every component
 * is OK. {@code --wait} shows progress on standard error while it waits.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Show whether every component of the local stack is up, and how many nodes, endpoints,",
            "identities, policies and flows it holds (exit 0 only when all components are OK)."
        })
public final class StatusCommand implements Callable<Integer> {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);

    @Mixin
    StackOutputOptions options;

    @Mixin
    WaitOptions wait = new WaitOptions(Duration.ofSeconds(60));

    @Override
    public Integer call() throws InterruptedException {
        Stack stack = options.stack();
        HealthProbe probe = new HealthProbe(stack.tls());
        List<ComponentHealth> results = probe.checkAll(stack.components());
        if (wait.enabled() && !allOk(results)) {
            Progress progress = new Progress(options.err(), Progress.onTerminal());
            long deadline = System.nanoTime() + wait.timeout().toNanos();
            progress.update(progress(results));
            while (!allOk(results) && System.nanoTime() < deadline) {
                Thread.sleep(POLL_INTERVAL);
                results = probe.checkAll(stack.components());
                progress.update(progress(results));
            }
            progress.done();
        }
        Set<String> ok = results.stream()
                .filter(ComponentHealth::ok)
                .map(ComponentHealth::name)
                .collect(Collectors.toSet());
        results = withRestarts(results);
        StatusReport report = StatusReport.of(stack, cluster(), results, StatusCounts.read(stack, ok));
        PrintWriter out = options.out();
        if (options.json()) {
            options.printJson(report);
        } else {
            report.printText(out);
        }
        return report.healthy() ? 0 : 1;
    }

    /** The cluster stack.json records, if any. */
    private StackFile.Cluster cluster() {
        try {
            return StackFile.read(options.dataDir()).map(StackFile::cluster).orElse(null);
        } catch (IllegalArgumentException unreadable) {
            return null;
        }
    }

    /** Adds the launcher's restart counts when a live launcher supervises the stack (its supervisor.json). */
    private List<ComponentHealth> withRestarts(List<ComponentHealth> results) {
        Optional<SupervisorFile> supervisor;
        try {
            supervisor = SupervisorFile.read(options.dataDir())
                    .filter(f -> ProcessHandle.of(f.launcherPid())
                            .filter(ProcessHandle::isAlive)
                            .isPresent());
        } catch (IllegalArgumentException unreadable) {
            supervisor = Optional.empty();
        }
        if (supervisor.isEmpty()) {
            return results;
        }
        SupervisorFile file = supervisor.get();
        return results.stream()
                .map(r -> file.component(r.name()).map(r::supervised).orElse(r))
                .toList();
    }

    /** {@code 3/8 components ready}: the ready count only, so that a log gets a line when it changes. */
    static String progress(List<ComponentHealth> results) {
        return results.stream().filter(ComponentHealth::ok).count() + "/" + results.size() + " components ready";
    }

    private static boolean allOk(List<ComponentHealth> results) {
        return results.stream().allMatch(ComponentHealth::ok);
    }
}
