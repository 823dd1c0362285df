package dev.tendril.cli.identity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ChunkOptions;
import dev.tendril.cli.api.ResourceListCommand;
import dev.tendril.cli.api.Table;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tendril get endpoints}: pods with their IPs, node and identity (what every node's ipcache holds), and
 * whether each is Running or Terminating (deleted with a grace period, still holding its IPs and identity). Read in
 * chunks of {@code --chunk-size} (500) and printed chunk by chunk, so 100,000 endpoints take no more memory than 500.
 */
@Command(
        name = "endpoints",
        aliases = {"endpoint", "ep"},
        mixinStandardHelpOptions = true,
        description = "List endpoints with their IPs, node, identity and status (Running, or Terminating while a"
                + " deletion's grace period runs).")
public final class GetEndpointsCommand extends ResourceListCommand {

    @Option(
            names = {"-n", "--namespace"},
            paramLabel = "NAMESPACE",
            description = "Only endpoints of this namespace.")
    String namespace;

    @Option(names = "--node", paramLabel = "NODE", description = "Only endpoints on this node.")
    String node;

    @Option(names = "--identity", paramLabel = "ID", description = "Only endpoints with this identity.")
    Long identity;

    @Mixin
    ChunkOptions chunks;

    @Override
    protected Optional<ChunkOptions> chunking() {
        return Optional.of(chunks);
    }

    @Override
    protected String service() {
        return "identity";
    }

    @Override
    protected String path() {
        return "/v1/endpoints";
    }

    @Override
    protected Map<String, String> query() {
        Map<String, String> query = new LinkedHashMap<>();
        if (namespace != null) {
            query.put("namespace", namespace);
        }
        if (node != null) {
            query.put("node", node);
        }
        if (identity != null) {
            query.put("identity", identity.toString());
        }
        return query;
    }

    @Override
    protected Table table(JsonNode endpoints) {
        Table table = new Table("namespace", "pod", "identity", "node", "ips", "status");
        for (JsonNode endpoint : endpoints) {
            table.row(
                    endpoint.path("namespace").asText(),
                    endpoint.path("pod").asText(),
                    endpoint.path("identity").asLong(),
                    endpoint.path("node").asText(),
                    joined(endpoint.path("ips"), ""),
                    endpoint.path("terminating").asBoolean(false) ? "Terminating" : "Running");
        }
        return table;
    }
}
