package dev.tendril.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.NamespaceScope;
import dev.tendril.cli.api.ChunkOptions;
import dev.tendril.cli.api.ResourceListCommand;
import dev.tendril.cli.api.Table;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tendril get policies}: the applied NetworkPolicies and CiliumNetworkPolicies with how many identities each
 * selects, by namespace, kind and name. Read in chunks of {@code --chunk-size} (500) and printed chunk by chunk.
 */
@Command(
        name = "policies",
        aliases = {"policy", "netpol", "cnp"},
        mixinStandardHelpOptions = true,
        description = "List network policies (NetworkPolicy, CiliumNetworkPolicy) of a namespace, or of all with -A.")
public final class GetPoliciesCommand extends ResourceListCommand {

    @ArgGroup(exclusive = true)
    NamespaceScope scope;

    @Mixin
    ChunkOptions chunks;

    @Override
    protected Optional<ChunkOptions> chunking() {
        return Optional.of(chunks);
    }

    @Override
    protected String service() {
        return "policy";
    }

    @Override
    protected String path() {
        return "/v1/policies";
    }

    @Override
    protected Map<String, String> query() {
        return NamespaceScope.all(scope) ? Map.of() : Map.of("namespace", NamespaceScope.namespace(scope));
    }

    @Override
    protected Table table(JsonNode policies) {
        Table table = new Table("namespace", "kind", "name", "revision", "subjects");
        for (JsonNode policy : policies) {
            table.row(
                    policy.path("namespace").asText(),
                    policy.path("kind").asText(),
                    policy.path("name").asText(),
                    policy.path("revision").asLong(),
                    policy.path("subjects").size());
        }
        return table;
    }
}
