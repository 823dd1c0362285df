package dev.tendril.cli.ipam;

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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tendril get nodes}: the registered nodes with their IPs and pod CIDRs. */
@Command(name = "nodes", aliases = "node", mixinStandardHelpOptions = true,
        description = "List the nodes IPAM knows, with their internal IPs and pod CIDRs.")
public final class GetNodesCommand implements Callable<Integer> {

    @Mixin
    StackOption stackOption;

    @Mixin
    OutputOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        JsonNode nodes = ServiceClient.of(stackOption.stack(), "ipam").get("/v1/nodes", Map.of());
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOption.printJson(out, nodes);
            return 0;
        }
        Table table = new Table("name", "ips", "pod-cidrs", "cluster");
        for (JsonNode node : nodes) {
            table.row(node.path("name").asText(), join(node.path("ips")), join(node.path("podCIDRs")),
                    node.path("cluster").asText());
        }
        table.print(out);
        return 0;
    }

    static String join(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values.isEmpty() ? "<none>" : String.join(",", values);
    }
}
