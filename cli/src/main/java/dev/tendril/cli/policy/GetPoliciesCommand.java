package dev.tendril.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ResourceListCommand;
import dev.tendril.cli.api.Table;
import dev.tendril.cli.apply.ManifestKinds;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tendril get policies}: the applied NetworkPolicies and CiliumNetworkPolicies with how many identities each selects. */
@Command(
        name = "policies",
        aliases = {"policy", "netpol", "cnp"},
        mixinStandardHelpOptions = true,
        description = "List network policies (NetworkPolicy, CiliumNetworkPolicy) of a namespace, or of all with -A.")
public final class GetPoliciesCommand extends ResourceListCommand {

    @ArgGroup(exclusive = true)
    Scope scope;

    static final class Scope {
        @Option(
                names = {"-n", "--namespace"},
                paramLabel = "NAMESPACE",
                description = "Policies of this namespace (default: default).")
        String namespace;

        @Option(
                names = {"-A", "--all-namespaces"},
                description = "Policies of every namespace.")
        boolean all;
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
        if (scope != null && scope.all) {
            return Map.of();
        }
        return Map.of(
                "namespace",
                scope != null && scope.namespace != null ? scope.namespace : ManifestKinds.DEFAULT_NAMESPACE);
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
