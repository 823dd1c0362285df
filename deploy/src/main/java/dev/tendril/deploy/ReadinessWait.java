package dev.tendril.deploy;

import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.status.ComponentHealth;
import dev.tendril.cli.status.HealthProbe;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Start-up's wait for readiness: polls the components' health checks until all pass. A child that exits before
 * it is ready is started again, up to {@link #STARTS} starts in all (a service whose database connection timed
 * out on a loaded machine gets another go, as the supervisor would give it later); at the last exit or at the
 * timeout it fails with each failed child's exit, last health check and the tail of its log.
 */
final class ReadinessWait {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
    private static final int LOG_TAIL_LINES = 40;
    /** Starts of one component during start-up, the first included. */
    static final int STARTS = 3;

    private final PrintStream out;
    private final Duration timeout;
    private final BooleanSupplier stopping;
    private final HealthProbe probe;
    private final Predicate<Component> postgresHealthy;
    private final Supervisor supervisor;
    private final Supplier<String> elapsed;
    /** Restarts during the current wait, by component. */
    private final Map<Supervised, Integer> starts = new HashMap<>();

    ReadinessWait(
            PrintStream out,
            Duration timeout,
            BooleanSupplier stopping,
            HealthProbe probe,
            Predicate<Component> postgresHealthy,
            Supervisor supervisor,
            Supplier<String> elapsed) {
        this.out = out;
        this.timeout = timeout;
        this.stopping = stopping;
        this.probe = probe;
        this.postgresHealthy = postgresHealthy;
        this.supervisor = supervisor;
        this.elapsed = elapsed;
    }

    /**
     * Polls the components' health checks until all pass; fails at the first that exits or at the timeout.
     * {@code readyLine} says what to print for each, else {@code NAME ready (elapsed)}.
     */
    void await(List<Supervised> components, Function<Supervised, String> readyLine) {
        if (components.isEmpty()) {
            return;
        }
        out.printf("Waiting up to %d s for %s to be ready...%n", timeout.toSeconds(), ComponentTable.names(components));
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<Supervised> pending = new LinkedHashSet<>(components);
        Map<Supervised, String> lastCheck = new HashMap<>();
        starts.clear();
        while (!pending.isEmpty()) {
            if (stopping.getAsBoolean()) {
                throw new StartupFailure("stopped during start-up");
            }
            for (Supervised s : pending) {
                if (!s.process().process().isAlive()) {
                    int code = s.process().process().exitValue();
                    int starts = this.starts.merge(s, 1, Integer::sum) + 1;
                    if (starts > STARTS) {
                        throw failure(
                                List.of(s),
                                s.name() + " exited with code " + code + " before it was ready, " + STARTS + " times",
                                Map.of());
                    }
                    out.printf(
                            "%-10s exited with code %d before it was ready (see %s); starting it again (start %d of %d)%n",
                            s.name(), code, ComponentTable.display(s.log()), starts, STARTS);
                    supervisor.startAgain(s);
                }
            }
            List<Supervised> polled = List.copyOf(pending);
            List<Component> polledComponents =
                    polled.stream().map(Supervised::component).toList();
            List<ComponentHealth> results = probe.checkAll(polledComponents);
            for (int i = 0; i < polled.size(); i++) {
                Supervised s = polled.get(i);
                boolean ok = s.component().kind() == Kind.POSTGRES
                        ? postgresHealthy.test(polledComponents.get(i))
                        : results.get(i).ok();
                if (ok) {
                    pending.remove(s);
                    supervisor.healthy(s);
                    out.println(
                            readyLine == null
                                    ? String.format("%-10s ready (%s)", s.name(), elapsed.get())
                                    : readyLine.apply(s));
                } else {
                    lastCheck.put(s, results.get(i).detail());
                }
            }
            if (!pending.isEmpty() && System.nanoTime() > deadline) {
                throw failure(
                        List.copyOf(pending),
                        ComponentTable.names(pending) + " did not become ready within " + timeout.toSeconds() + " s",
                        lastCheck);
            }
            sleep(POLL_INTERVAL);
        }
    }

    private StartupFailure failure(List<Supervised> failed, String summary, Map<Supervised, String> lastCheck) {
        StringBuilder message = new StringBuilder(summary);
        for (Supervised child : failed) {
            message.append(System.lineSeparator())
                    .append(System.lineSeparator())
                    .append(child.name())
                    .append(" (pid ")
                    .append(child.process().pid())
                    .append(")");
            if (lastCheck.containsKey(child)) {
                message.append(", last health check: ").append(lastCheck.get(child));
            }
            message.append(tail(child.log()));
        }
        return new StartupFailure(message.toString());
    }

    private String tail(Path log) {
        List<String> lines;
        try {
            lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (java.io.IOException e) {
            return System.lineSeparator() + "(cannot read " + ComponentTable.display(log) + ": " + e.getMessage() + ")";
        }
        StringBuilder text = new StringBuilder(System.lineSeparator())
                .append("last lines of ")
                .append(ComponentTable.display(log))
                .append(':');
        for (String line : lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())) {
            text.append(System.lineSeparator()).append("  | ").append(line);
        }
        return text.toString();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupFailure("interrupted while waiting for the stack to be ready");
        }
    }
}
