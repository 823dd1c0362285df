package dev.tendril.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * A listing command ({@code tendril get ...}, {@code tendril ipam status}): one GET to one service,
 * printed as JSON with {@code -o json} or as a table. Subclasses say where to read and how to tabulate.
 */
public abstract class ResourceListCommand implements Callable<Integer> {

    @Mixin
    protected StackOutputOptions options;

    /** The stack component to ask: identity, ipam, policy, flows. */
    protected abstract String service();

    /** The resource path, e.g. {@code /v1/nodes}. */
    protected abstract String path();

    /** Query parameters from the command's filter options. */
    protected Map<String, String> query() {
        return Map.of();
    }

    protected abstract Table table(JsonNode items);

    /** The items to print: by default the answer of the one GET. */
    protected JsonNode items() {
        return ServiceClient.of(options.stack(), service()).get(path(), query());
    }

    @Override
    public final Integer call() {
        JsonNode items = items();
        PrintWriter out = options.out();
        if (options.json()) {
            options.printJson(items);
        } else {
            table(items).print(out);
        }
        return 0;
    }

    /** The texts of a JSON array joined with commas; {@code whenEmpty} for an empty or missing array. */
    protected static String joined(JsonNode array, String whenEmpty) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values.isEmpty() ? whenEmpty : String.join(",", values);
    }
}
