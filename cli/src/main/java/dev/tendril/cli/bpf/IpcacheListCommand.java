package dev.tendril.cli.bpf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.Table;
import picocli.CommandLine.Command;

/** {@code tendril bpf ipcache list}: as {@code cilium bpf ipcache list}, without the columns the map does not hold. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the ipcache entries of a node.")
final class IpcacheListCommand extends AgentMapCommand {

    @Override
    String path() {
        return "/v1/maps/ipcache";
    }

    @Override
    Table table(JsonNode rows) {
        Table table = new Table("IP PREFIX/ADDRESS", "IDENTITY");
        rows.forEach(row -> table.row(
                row.path("prefix").asText(), "identity=" + row.path("identity").asLong()));
        return table;
    }
}
