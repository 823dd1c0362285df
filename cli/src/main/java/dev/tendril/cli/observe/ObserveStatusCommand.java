package dev.tendril.cli.observe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Stack;
import dev.tendril.cli.status.ComponentHealth;
import dev.tendril.cli.status.HealthProbe;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tendril observe status}: {@code hubble status} for the flows service: its health check, then
 * Hubble's ServerStatus from {@code GET /v1/status} (flows held of the rings' capacity, flows per second
 * over the last minute, connected nodes).
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show the flows service's health, flows held and capacity, flow rate and connected nodes.")
public final class ObserveStatusCommand implements Callable<Integer> {

    @Mixin
    StackOutputOptions options;

    @Override
    public Integer call() {
        Stack stack = options.stack();
        Component flows = stack.component("flows")
                .orElseThrow(() -> new ServiceException("no component 'flows' in the local stack"));
        PrintWriter out = options.out();
        JsonNode status;
        if (options.json()) {
            status = ServiceClient.of(stack, "flows").get("/v1/status", Map.of());
            options.printJson(status);
            return 0;
        }
        ComponentHealth health = new HealthProbe(stack.tls()).check(flows);
        if (!health.ok()) {
            out.println("Healthcheck (via " + flows.address() + "): " + health.status()
                    + (health.detail() == null ? "" : " (" + health.detail() + ")"));
            out.flush();
            return TendrilCommand.EXIT_ERROR;
        }
        out.println("Healthcheck (via " + flows.address() + "): Ok");
        status = ServiceClient.of(stack, "flows").get("/v1/status", Map.of());
        out.print(text(status));
        out.flush();
        return 0;
    }

    /** The lines of {@code hubble status} after the health check. */
    static String text(JsonNode status) {
        long numFlows = status.path("numFlows").asLong();
        long maxFlows = status.path("maxFlows").asLong();
        double uptimeSeconds = status.path("uptimeNs").asLong() / 1e9;
        long connected = status.path("numConnectedNodes").asLong();
        long unavailable = status.path("numUnavailableNodes").asLong();
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                Locale.ROOT,
                "Current/Max Flows: %,d/%,d (%.2f%%)%n",
                numFlows,
                maxFlows,
                maxFlows == 0 ? 0.0 : 100.0 * numFlows / maxFlows));
        // Hubble's rate over the last minute; a flows service without it gets the average since start.
        double flowsPerSecond = status.has("flowsRate")
                ? status.path("flowsRate").asDouble()
                : uptimeSeconds <= 0 ? 0.0 : status.path("seenFlows").asLong() / uptimeSeconds;
        text.append(String.format(Locale.ROOT, "Flows/s: %.2f%n", flowsPerSecond));
        text.append(String.format(Locale.ROOT, "Connected Nodes: %d/%d%n", connected, connected + unavailable));
        // Flows the agents dropped before publishing them (their flow queues overflowed: Hubble's LostEvents).
        if (status.has("lostEvents")) {
            text.append(String.format(
                    Locale.ROOT,
                    "Lost Events (agent flow queues): %,d%n",
                    status.path("lostEvents").asLong()));
        }
        if (unavailable > 0) {
            text.append(String.format(Locale.ROOT, "Unavailable Nodes: %d%n", unavailable));
            status.path("unavailableNodes")
                    .forEach(node -> text.append("  - ").append(node.asText()).append(System.lineSeparator()));
        }
        return text.toString();
    }
}
