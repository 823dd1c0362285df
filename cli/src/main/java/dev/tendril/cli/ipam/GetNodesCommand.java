package dev.tendril.cli.ipam;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ChunkOptions;
import dev.tendril.cli.api.ResourceListCommand;
import dev.tendril.cli.api.Table;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tendril get nodes}: the registered nodes with their IPs and pod CIDRs, in name order. Read in chunks of
 * {@code --chunk-size} (500) and printed chunk by chunk.
 */
@Command(
        name = "nodes",
        aliases = "node",
        mixinStandardHelpOptions = true,
        description = "List the nodes IPAM knows, with their internal IPs and pod CIDRs.")
public final class GetNodesCommand extends ResourceListCommand {

    @Mixin
    ChunkOptions chunks;

    @Override
    protected Optional<ChunkOptions> chunking() {
        return Optional.of(chunks);
    }

    @Override
    protected String service() {
        return "ipam";
    }

    @Override
    protected String path() {
        return "/v1/nodes";
    }

    @Override
    protected Table table(JsonNode nodes) {
        Table table = new Table("name", "ips", "pod-cidrs", "cluster");
        for (JsonNode node : nodes) {
            table.row(
                    node.path("name").asText(),
                    joined(node.path("ips"), "<none>"),
                    joined(node.path("podCIDRs"), "<none>"),
                    node.path("cluster").asText());
        }
        return table;
    }
}
