package dev.tendril.cli.identity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.OutputOption;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.Table;
import dev.tendril.cli.stack.StackOption;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tendril get identities}: reserved and allocated identities with their labels. */
@Command(name = "identities", aliases = {"identity", "id"}, mixinStandardHelpOptions = true,
        description = "List security identities (reserved ones first) with their labels.")
public final class GetIdentitiesCommand implements Callable<Integer> {

    @Mixin
    StackOption stackOption;

    @Mixin
    OutputOption output;

    @Option(names = {"-l", "--label"}, paramLabel = "SOURCE:KEY=VALUE",
            description = "Only identities holding this label (repeatable; all must match), e.g. k8s:app=frontend.")
    List<String> labels = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String query = labels.stream().map(l -> "label=" + URLEncoder.encode(l, StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        JsonNode identities = ServiceClient.of(stackOption.stack(), "identity")
                .get("/v1/identities" + (query.isEmpty() ? "" : "?" + query), Map.of());
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOption.printJson(out, identities);
            return 0;
        }
        Table table = new Table("id", "name", "endpoints", "labels");
        for (JsonNode identity : identities) {
            List<String> labelTexts = new ArrayList<>();
            identity.path("labels").forEach(l -> labelTexts.add(l.asText()));
            table.row(identity.path("id").asLong(), identity.path("name").asText(""),
                    identity.has("endpoints") ? identity.get("endpoints").asInt() : "",
                    String.join(",", labelTexts));
        }
        table.print(out);
        return 0;
    }
}
