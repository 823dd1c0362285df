package dev.tendril.cli.bpf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.api.Table;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A node-wide map of one agent ({@code --node}, default the first): the dump as JSON with {@code -o json}, else a table. */
abstract class AgentMapCommand implements Callable<Integer> {

    @Option(names = "--node", paramLabel = "NODE", description = "The node whose agent to ask (default: the first).")
    String node;

    @Mixin
    StackOutputOptions options;

    /** The dump's path, e.g. {@code /v1/maps/ipcache}; its rows are the answer's {@code rows}, or the answer when it is an array. */
    abstract String path();

    abstract Table table(JsonNode rows);

    @Override
    public final Integer call() {
        JsonNode dump = Agents.of(options.stack()).select(node).client().get(path(), Map.of());
        PrintWriter out = options.out();
        if (options.json()) {
            options.printJson(dump);
        } else {
            table(dump.isArray() ? dump : dump.path("rows")).print(out);
        }
        return 0;
    }
}
