package dev.tendril.cli.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.OutputOption;
import dev.tendril.cli.StackOutputOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    /** The query of a paged list, in order; a parameter may repeat. By default {@link #query()}. */
    protected List<Map.Entry<String, String>> queryEntries() {
        return List.copyOf(query().entrySet());
    }

    /** Items printed after the last page of a paged list, from elsewhere; none by default. */
    protected JsonNode trailingItems() {
        return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    }

    protected abstract Table table(JsonNode items);

    /** The items to print: by default the answer of the one GET. */
    protected JsonNode items() {
        return ServiceClient.of(options.stack(), service()).get(path(), query());
    }

    /**
     * The chunking options of a list the service serves in pages ({@code limit}, {@code continue}); empty for one
     * served whole. A paged list is followed page by page, each printed as it arrives and then dropped.
     */
    protected Optional<ChunkOptions> chunking() {
        return Optional.empty();
    }

    @Override
    public final Integer call() {
        if (chunking().isPresent()) {
            return callPaged(chunking().get());
        }
        JsonNode items = items();
        PrintWriter out = options.out();
        if (options.json()) {
            options.printJson(items);
        } else {
            table(items).print(out);
        }
        return 0;
    }

    private Integer callPaged(ChunkOptions chunks) {
        ServiceClient client = ServiceClient.of(options.stack(), service());
        PrintWriter out = options.out();
        int printed = 0;
        String token = null;
        boolean asJson = options.json();
        try (JsonGenerator json = asJson ? OutputOption.jsonArray(out) : null) {
            do {
                List<Map.Entry<String, String>> query = new ArrayList<>(queryEntries());
                Integer limit = chunks.nextRequest(printed);
                if (limit != null) {
                    query.add(Map.entry("limit", limit.toString()));
                }
                if (token != null) {
                    query.add(Map.entry("continue", token));
                }
                ServiceClient.ListPage page = client.getPage(path(), query);
                if (json != null) {
                    for (JsonNode item : page.items()) {
                        json.writeTree(item);
                    }
                    json.flush();
                } else if (printed == 0 || !page.items().isEmpty()) {
                    table(page.items()).print(out, printed == 0);
                }
                printed += page.items().size();
                token = page.next().orElse(null);
            } while (token != null && chunks.wantsMore(printed));
            JsonNode trailing = trailingItems();
            if (json == null && !trailing.isEmpty()) {
                table(trailing).print(out, false);
            }
            if (json != null) {
                for (JsonNode item : trailing) {
                    json.writeTree(item);
                }
                json.writeEndArray();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON", e);
        }
        if (asJson) {
            out.println();
        }
        out.flush();
        return 0;
    }

    /** The texts of a JSON array joined with commas; {@code whenEmpty} for an empty or missing array. */
    protected static String joined(JsonNode array, String whenEmpty) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values.isEmpty() ? whenEmpty : String.join(",", values);
    }
}
