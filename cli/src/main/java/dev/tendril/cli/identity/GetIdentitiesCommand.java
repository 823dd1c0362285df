package dev.tendril.cli.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tendril.cli.api.ChunkOptions;
import dev.tendril.cli.api.ResourceListCommand;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tendril get identities}: reserved and allocated identities with their labels, then the identities of
 * ClusterMesh peers as the policy service holds them (it follows every peer's replicated identities, which
 * the identity service does not), each with its cluster. Without a reachable policy service only the local
 * identities are listed, with a note on stderr. The local ones are read in chunks of {@code --chunk-size}, printed as
 * they come; {@code --limit} bounds them (not the peers').
 */
@Command(
        name = "identities",
        aliases = {"identity", "id"},
        mixinStandardHelpOptions = true,
        description = "List security identities (reserved ones first) with their labels.")
public final class GetIdentitiesCommand extends ResourceListCommand {

    private static final String CLUSTER_LABEL = "k8s:io.cilium.k8s.policy.cluster=";

    @Option(
            names = {"-l", "--label"},
            paramLabel = "SOURCE:KEY=VALUE",
            description = "Only identities holding this label (repeatable; all must match), e.g. k8s:app=frontend.")
    List<String> labels = new ArrayList<>();

    @Override
    protected String service() {
        return "identity";
    }

    @Mixin
    ChunkOptions chunks;

    @Override
    protected Optional<ChunkOptions> chunking() {
        return Optional.of(chunks);
    }

    @Override
    protected String path() {
        return "/v1/identities";
    }

    @Override
    protected List<Map.Entry<String, String>> queryEntries() {
        // The filter is repeatable, which a map of query parameters cannot carry.
        return labels.stream().map(l -> Map.entry("label", l)).toList();
    }

    /** The peers' identities, after the local ones; a missing policy service is a note on stderr. */
    @Override
    protected JsonNode trailingItems() {
        ArrayNode peers = JsonNodeFactory.instance.arrayNode();
        try {
            ServiceClient.of(options.stack(), "policy")
                    .get("/v1/clustermesh/identities", queryEntries())
                    .forEach(peers::add);
        } catch (RuntimeException e) {
            options.err().println("(identities of ClusterMesh peers not listed: " + e.getMessage() + ")");
        }
        return peers;
    }

    @Override
    protected Table table(JsonNode identities) {
        Table table = new Table("id", "name", "cluster", "endpoints", "labels");
        for (JsonNode identity : identities) {
            table.row(
                    identity.path("id").asLong(),
                    identity.path("name").asText(""),
                    cluster(identity),
                    identity.has("endpoints") ? identity.get("endpoints").asInt() : "",
                    joined(identity.path("labels"), ""));
        }
        return table;
    }

    /** A peer's identity names its cluster; a local one carries it as the cluster label (reserved ones: none). */
    private static String cluster(JsonNode identity) {
        if (identity.has("cluster")) {
            return identity.get("cluster").asText();
        }
        for (JsonNode label : identity.path("labels")) {
            String text = label.asText();
            if (text.startsWith(CLUSTER_LABEL)) {
                return text.substring(CLUSTER_LABEL.length());
            }
        }
        return "";
    }
}
