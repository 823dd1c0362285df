package dev.tendril.cli.bpf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.Table;
import picocli.CommandLine.Command;

/**
 * {@code tendril bpf prog list}: the programs an agent's kernel runs for each endpoint (its veth's from-container and
 * to-container hooks, as tcx links or tc filters) and for socket load balancing, read back from the kernel.
 */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "List the BPF programs attached for each endpoint of a node, and its socket load balancer.")
final class ProgListCommand extends AgentMapCommand {

    @Override
    String path() {
        return "/v1/programs";
    }

    @Override
    Table table(JsonNode rows) {
        Table table = new Table("ENDPOINT", "POD", "INTERFACE", "ATTACH", "FROM-CONTAINER", "TO-CONTAINER");
        rows.forEach(row -> table.row(
                String.valueOf(row.path("endpointId").asInt()),
                row.path("pod").isTextual() ? row.path("pod").asText() : "-",
                row.path("interfaceName").asText(),
                row.path("attachMode").asText(),
                programId(row.path("fromContainer").asInt()),
                programId(row.path("toContainer").asInt())));
        return table;
    }

    private static String programId(int id) {
        return id == 0 ? "none" : String.valueOf(id);
    }
}
