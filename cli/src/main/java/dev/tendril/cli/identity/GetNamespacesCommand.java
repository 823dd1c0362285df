package dev.tendril.cli.identity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ResourceListCommand;
import dev.tendril.cli.api.Table;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code tendril get namespaces}: namespaces and their labels. */
@Command(
        name = "namespaces",
        aliases = {"namespace", "ns"},
        mixinStandardHelpOptions = true,
        description = "List namespaces with their labels.")
public final class GetNamespacesCommand extends ResourceListCommand {

    @Override
    protected String service() {
        return "identity";
    }

    @Override
    protected String path() {
        return "/v1/namespaces";
    }

    @Override
    protected Table table(JsonNode namespaces) {
        Table table = new Table("name", "labels");
        for (JsonNode namespace : namespaces) {
            List<String> labels = new ArrayList<>();
            namespace
                    .path("labels")
                    .properties()
                    .forEach(e -> labels.add(e.getKey() + "=" + e.getValue().asText()));
            table.row(namespace.path("name").asText(), String.join(",", labels));
        }
        return table;
    }
}
