package dev.tendril.cli.identity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.OutputOption;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.Table;
import dev.tendril.cli.stack.StackOption;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tendril get endpoints}: pods with their IPs, node and identity (what every node's ipcache holds). */
@Command(name = "endpoints", aliases = {"endpoint", "ep"}, mixinStandardHelpOptions = true,
        description = "List endpoints with their IPs, node and identity.")
public final class GetEndpointsCommand implements Callable<Integer> {

    @Mixin
    StackOption stackOption;

    @Mixin
    OutputOption output;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE", description = "Only endpoints of this namespace.")
    String namespace;

    @Option(names = "--node", paramLabel = "NODE", description = "Only endpoints on this node.")
    String node;

    @Option(names = "--identity", paramLabel = "ID", description = "Only endpoints with this identity.")
    Long identity;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Map<String, String> query = new LinkedHashMap<>();
        if (namespace != null) {
            query.put("namespace", namespace);
        }
        if (node != null) {
            query.put("node", node);
        }
        if (identity != null) {
            query.put("identity", identity.toString());
        }
        JsonNode endpoints = ServiceClient.of(stackOption.stack(), "identity").get("/v1/endpoints", query);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOption.printJson(out, endpoints);
            return 0;
        }
        Table table = new Table("namespace", "pod", "identity", "node", "ips");
        for (JsonNode endpoint : endpoints) {
            List<String> ips = new ArrayList<>();
            endpoint.path("ips").forEach(ip -> ips.add(ip.asText()));
            table.row(endpoint.path("namespace").asText(), endpoint.path("pod").asText(),
                    endpoint.path("identity").asLong(), endpoint.path("node").asText(), String.join(",", ips));
        }
        table.print(out);
        return 0;
    }
}
