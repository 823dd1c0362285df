package dev.tendril.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ResourceListCommand;
import dev.tendril.cli.api.Table;
import picocli.CommandLine.Command;

/** {@code tendril policy selectors}: every selector in the applied policies, the identities it selects and who uses it. */
@Command(
        name = "selectors",
        aliases = "selector",
        mixinStandardHelpOptions = true,
        description =
                "List the selectors of the applied policies with the identities they select (like 'cilium policy selectors').")
public final class PolicySelectorsCommand extends ResourceListCommand {

    @Override
    protected String service() {
        return "policy";
    }

    @Override
    protected String path() {
        return "/v1/selectors";
    }

    @Override
    protected Table table(JsonNode selectors) {
        Table table = new Table("selector", "identities", "users");
        for (JsonNode selector : selectors) {
            JsonNode text = selector.path("selector");
            table.row(
                    text.isValueNode() ? text.asText() : text.toString(),
                    joined(selector.path("selected"), "<none>"),
                    PolicyRefs.refs(selector.path("users"), "<none>"));
        }
        return table;
    }
}
