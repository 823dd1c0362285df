package dev.tendril.cli.bpf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.OutputOption;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.api.Table;
import dev.tendril.cli.stack.StackOption;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A node-wide map of one agent ({@code --node}, default the first): the dump as JSON with {@code -o json}, else a table. */
abstract class AgentMapCommand implements Callable<Integer> {

    @Option(names = "--node", paramLabel = "NODE", description = "The node whose agent to ask (default: the first).")
    String node;

    @Mixin
    StackOption stackOption;

    @Mixin
    OutputOption output;

    @Spec
    CommandSpec spec;

    /** The dump's path, e.g. {@code /v1/maps/ipcache}. */
    abstract String path();

    abstract Table table(JsonNode rows);

    @Override
    public final Integer call() {
        JsonNode dump = Agents.of(stackOption.stack()).select(node).client().get(path(), Map.of());
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOption.printJson(out, dump);
        } else {
            table(dump.path("rows")).print(out);
        }
        return 0;
    }
}
