package dev.tendril.cli.ipam;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ChunkOptions;
import dev.tendril.cli.api.ResourceListCommand;
import dev.tendril.cli.api.Table;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tendril get allocations}: the pod addresses IPAM has handed out, by node and then oldest first, with the pod
 * holding each and whether its agent confirmed it. Read in chunks of {@code --chunk-size} (500) and printed chunk by
 * chunk, so every address of a large cluster takes no more memory than 500.
 */
@Command(
        name = "allocations",
        aliases = {"allocation", "alloc"},
        mixinStandardHelpOptions = true,
        description = "List pod address allocations with their node, pod and state (Confirmed, or Pending until the"
                + " node's agent confirms the pod was created).")
public final class GetAllocationsCommand extends ResourceListCommand {

    @Option(names = "--node", paramLabel = "NODE", description = "Only the addresses of this node.")
    String node;

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
        return "/v1/allocations";
    }

    @Override
    protected Map<String, String> query() {
        return node == null ? Map.of() : Map.of("node", node);
    }

    @Override
    protected Table table(JsonNode allocations) {
        Table table = new Table("node", "ip", "owner", "uid", "state", "allocated");
        for (JsonNode allocation : allocations) {
            table.row(
                    allocation.path("node").asText(),
                    allocation.path("ip").asText(),
                    allocation.path("owner").asText(),
                    allocation.path("uid").asText(),
                    allocation.path("confirmed").asBoolean(false) ? "Confirmed" : "Pending",
                    allocation.path("allocatedAt").asText());
        }
        return table;
    }
}
