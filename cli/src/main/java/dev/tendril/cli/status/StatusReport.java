package dev.tendril.cli.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tendril.cli.stack.Stack;
import dev.tendril.cli.stack.StackFile;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/**
 * What {@code tendril status} prints; the same fields in text and JSON.
 *
 * @param source the stack.json read, or "defaults" when none exists
 * @param counts nodes, endpoints, identities, policies, flows; null where the owning service could not say
 * @param cluster the stack's cluster name, id and pod CIDRs from stack.json; null when it records none
 */
public record StatusReport(
        boolean healthy,
        int ok,
        int total,
        String source,
        @JsonInclude(JsonInclude.Include.NON_NULL) StackFile.Cluster cluster,
        Map<String, Long> counts,
        List<ComponentHealth> components) {

    static StatusReport of(
            Stack stack, StackFile.Cluster cluster, List<ComponentHealth> results, Map<String, Long> counts) {
        int ok = (int) results.stream().filter(ComponentHealth::ok).count();
        String source = stack.source()
                .map(p -> p.toAbsolutePath().normalize().toString())
                .orElse("defaults");
        return new StatusReport(ok == results.size(), ok, results.size(), source, cluster, counts, results);
    }

    void printText(PrintWriter out) {
        if (source.equals("defaults")) {
            out.println("No stack.json found: checking the default local ports.");
        }
        if (cluster != null) {
            out.println("Cluster " + cluster.name() + " (id " + cluster.id() + "), pod CIDRs "
                    + String.join(", ", cluster.podCidrs()));
            out.println();
        }
        int nameWidth =
                components.stream().mapToInt(c -> c.name().length()).max().orElse(4);
        int statusWidth = components.stream()
                .mapToInt(c -> c.status().name().length())
                .max()
                .orElse(2);
        int addressWidth =
                components.stream().mapToInt(c -> c.address().length()).max().orElse(4);
        boolean supervised = components.stream().anyMatch(c -> c.restarts() != null);
        for (ComponentHealth c : components) {
            String restarts = !supervised
                    ? ""
                    : c.restarts() == null
                            ? "restarts -  "
                            : "restarts " + c.restarts() + (c.restarts() < 10 ? " " : "") + " ";
            String detail = c.detail() == null ? "" : c.detail();
            if (c.restarts() != null && c.restarts() > 0 && c.lastExit() != null) {
                detail = detail + (detail.isEmpty() ? "" : "; ") + "last exit: " + c.lastExit();
            }
            String line = String.format(
                    "%-" + nameWidth + "s  %-" + statusWidth + "s  %-" + addressWidth + "s  %s%s",
                    c.name(),
                    c.status(),
                    c.address(),
                    restarts,
                    detail);
            out.println(line.stripTrailing());
        }
        List<ComponentHealth> agents =
                components.stream().filter(c -> c.podNetwork() != null).toList();
        if (!agents.isEmpty()) {
            out.println();
            out.println("Pod network:");
            agents.forEach(c -> out.println(String.format("  %-" + nameWidth + "s  %s", c.name(), c.podNetwork())));
        }
        out.println();
        int countWidth = counts.keySet().stream().mapToInt(String::length).max().orElse(0) + 3;
        counts.forEach((name, value) -> out.println(String.format(
                "%-" + countWidth + "s%s",
                Character.toUpperCase(name.charAt(0)) + name.substring(1) + ":",
                value == null ? "-" : value)));
        if (!counts.isEmpty()) {
            out.println();
        }
        if (healthy) {
            out.println("Tendril is healthy: " + ok + "/" + total + " components OK");
        } else {
            List<String> failing = components.stream()
                    .filter(c -> !c.ok())
                    .map(ComponentHealth::name)
                    .toList();
            out.println("Tendril is not healthy: " + ok + "/" + total + " components OK (not OK: "
                    + String.join(", ", failing) + ")");
        }
        out.flush();
    }
}
