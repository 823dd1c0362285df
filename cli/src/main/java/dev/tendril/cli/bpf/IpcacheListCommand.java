package dev.tendril.cli.bpf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.Table;
import picocli.CommandLine.Command;

/**
 * {@code tendril bpf ipcache list}: as {@code cilium bpf ipcache list}, without the columns the map does not hold;
 * a remote entry shows its tunnel endpoint and the ClusterMesh peer it comes from.
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the ipcache entries of a node.")
final class IpcacheListCommand extends AgentMapCommand {

    @Override
    String path() {
        return "/v1/maps/ipcache";
    }

    @Override
    Table table(JsonNode rows) {
        Table table = new Table("IP PREFIX/ADDRESS", "IDENTITY");
        rows.forEach(row -> {
            StringBuilder value =
                    new StringBuilder("identity=").append(row.path("identity").asLong());
            if (!row.path("tunnelEndpoint").isMissingNode()
                    && !row.path("tunnelEndpoint").isNull()) {
                value.append(" tunnelendpoint=")
                        .append(row.path("tunnelEndpoint").asText());
            }
            if (!row.path("cluster").isMissingNode() && !row.path("cluster").isNull()) {
                value.append(" cluster=").append(row.path("cluster").asText());
            }
            table.row(row.path("prefix").asText(), value.toString());
        });
        return table;
    }
}
