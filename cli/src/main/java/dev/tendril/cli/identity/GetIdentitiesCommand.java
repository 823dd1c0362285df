package dev.tendril.cli.identity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ResourceListCommand;
import dev.tendril.cli.api.Table;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tendril get identities}: reserved and allocated identities with their labels. */
@Command(
        name = "identities",
        aliases = {"identity", "id"},
        mixinStandardHelpOptions = true,
        description = "List security identities (reserved ones first) with their labels.")
public final class GetIdentitiesCommand extends ResourceListCommand {

    @Option(
            names = {"-l", "--label"},
            paramLabel = "SOURCE:KEY=VALUE",
            description = "Only identities holding this label (repeatable; all must match), e.g. k8s:app=frontend.")
    List<String> labels = new ArrayList<>();

    @Override
    protected String service() {
        return "identity";
    }

    @Override
    protected String path() {
        // The filter is repeatable, which a map of query parameters cannot carry.
        String query = labels.stream()
                .map(l -> "label=" + URLEncoder.encode(l, StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return "/v1/identities" + (query.isEmpty() ? "" : "?" + query);
    }

    @Override
    protected Table table(JsonNode identities) {
        Table table = new Table("id", "name", "endpoints", "labels");
        for (JsonNode identity : identities) {
            table.row(
                    identity.path("id").asLong(),
                    identity.path("name").asText(""),
                    identity.has("endpoints") ? identity.get("endpoints").asInt() : "",
                    joined(identity.path("labels"), ""));
        }
        return table;
    }
}
