package dev.tendril.deploy;

import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.status.HealthProbe;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** How the launcher names components to the operator: the table `up` prints, lists of names, log paths. */
final class ComponentTable {

    /** How an agent's readiness words a kernel pod network that has not started: {@code kernel (tc): <why>}. */
    private static final String KERNEL_NOT_STARTED = "kernel (tc): ";

    private static final Duration POLL = Duration.ofMillis(200);

    private ComponentTable() {}

    static void print(PrintStream out, List<Component> components) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"COMPONENT", "KIND", "ADDRESS", "PID", "LOG"});
        for (Component c : components) {
            rows.add(new String[] {
                c.name(),
                c.kind().json(),
                c.url(),
                c.pid() == null ? "-" : c.pid().toString(),
                display(Path.of(c.log()))
            });
        }
        int[] widths = new int[5];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        out.println();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        out.println();
    }

    static String names(Collection<Supervised> processes) {
        return String.join(", ", processes.stream().map(Supervised::name).toList());
    }

    /** A path relative to the working directory when it lies below it (shorter to read and to copy). */
    static String display(Path path) {
        Path cwd = Path.of("").toAbsolutePath();
        return path.startsWith(cwd) ? cwd.relativize(path).toString() : path.toString();
    }

    /**
     * Which datapath each agent runs, as its readiness says ({@code kernel (tc), 0 programs}, {@code model: ...}). An
     * agent is ready once it follows the topics, and its kernel pod network starts a moment later (after IPAM's
     * answer), refusing endpoints until then: this waits up to {@code patience} for every agent's to have started,
     * so that "ready" means a pod can be applied at once, and prints why where one did not.
     */
    static void printPodNetworks(PrintStream out, HealthProbe probe, List<Supervised> children, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        for (Supervised child : children) {
            Component c = child.component();
            if (c.kind() == Kind.AGENT) {
                String podNetwork = probe.check(c).podNetwork();
                while (podNetwork != null
                        && podNetwork.startsWith(KERNEL_NOT_STARTED)
                        && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(POLL.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                    podNetwork = probe.check(c).podNetwork();
                }
                out.printf(
                        "%-10s pod network: %s%n",
                        c.name(), podNetwork == null ? "(its readiness does not say)" : podNetwork);
            }
        }
        out.println();
    }
}
