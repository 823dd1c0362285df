package dev.tendril.cli.identity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.OutputOption;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.Table;
import dev.tendril.cli.stack.StackOption;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tendril get namespaces}: namespaces and their labels. */
@Command(name = "namespaces", aliases = {"namespace", "ns"}, mixinStandardHelpOptions = true,
        description = "List namespaces with their labels.")
public final class GetNamespacesCommand implements Callable<Integer> {

    @Mixin
    StackOption stackOption;

    @Mixin
    OutputOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        JsonNode namespaces = ServiceClient.of(stackOption.stack(), "identity").get("/v1/namespaces", Map.of());
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOption.printJson(out, namespaces);
            return 0;
        }
        Table table = new Table("name", "labels");
        for (JsonNode namespace : namespaces) {
            List<String> labels = new ArrayList<>();
            namespace.path("labels").properties().forEach(e -> labels.add(e.getKey() + "=" + e.getValue().asText()));
            table.row(namespace.path("name").asText(), String.join(",", labels));
        }
        table.print(out);
        return 0;
    }
}
