package dev.tendril.cli.bpf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.Table;
import picocli.CommandLine.Command;

/** {@code tendril bpf endpoint list}: as {@code cilium bpf endpoint list}, one row per local address. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the local endpoint addresses of a node.")
final class EndpointListCommand extends AgentMapCommand {

    @Override
    String path() {
        return "/v1/maps/endpoints";
    }

    @Override
    Table table(JsonNode rows) {
        Table table = new Table("IP ADDRESS", "LOCAL ENDPOINT INFO");
        rows.forEach(row -> table.row(
                row.path("ip").asText(),
                "id=" + row.path("endpointId").asInt() + " sec_id="
                        + row.path("identity").asLong()));
        return table;
    }
}
