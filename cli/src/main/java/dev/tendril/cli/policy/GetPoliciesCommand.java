package dev.tendril.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.NamespaceScope;
import dev.tendril.cli.api.ResourceListCommand;
import dev.tendril.cli.api.Table;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;

/** {@code tendril get policies}: the applied NetworkPolicies and CiliumNetworkPolicies with how many identities each selects. */
@Command(
        name = "policies",
        aliases = {"policy", "netpol", "cnp"},
        mixinStandardHelpOptions = true,
        description = "List network policies (NetworkPolicy, CiliumNetworkPolicy) of a namespace, or of all with -A.")
public final class GetPoliciesCommand extends ResourceListCommand {

    @ArgGroup(exclusive = true)
    NamespaceScope scope;

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
