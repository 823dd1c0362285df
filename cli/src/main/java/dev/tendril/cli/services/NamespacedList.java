package dev.tendril.cli.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tendril.cli.NamespaceScope;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.Table;
import dev.tendril.cli.apply.ManifestKinds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;

/**
 * A {@code kubectl get} of one namespaced kind the policy service lists: the objects of one namespace
 * ({@code -n}, default {@value ManifestKinds#DEFAULT_NAMESPACE}) or of all ({@code -A}, with a NAMESPACE
 * column first as kubectl adds it), as a table or with {@code -o json} the service's views.
 */
abstract class NamespacedList implements Callable<Integer> {

    @ArgGroup(exclusive = true)
    NamespaceScope scope;

    @Mixin
    StackOutputOptions options;

    /** The policy service's path, e.g. {@code /v1/services}. */
    abstract String path();

    /** The headers after NAME. */
    abstract List<String> headers();

    /** The cells after NAME of one view. */
    abstract List<String> cells(JsonNode view);

    @Override
    public final Integer call() {
        JsonNode views = ServiceClient.of(options.stack(), "policy").get(path(), Map.of());
        boolean all = NamespaceScope.all(scope);
        String namespace = NamespaceScope.namespace(scope);
        ArrayNode selected = JsonNodeFactory.instance.arrayNode();
        views.forEach(view -> {
            if (all || namespace.equals(view.path("namespace").asText())) {
                selected.add(view);
            }
        });
        if (options.json()) {
            options.printJson(selected);
            return 0;
        }
        if (selected.isEmpty()) {
            options.out().println(all ? "No resources found" : "No resources found in " + namespace + " namespace.");
            options.out().flush();
            return 0;
        }
        List<String> headers = new ArrayList<>();
        if (all) {
            headers.add("namespace");
        }
        headers.add("name");
        headers.addAll(headers());
        Table table = new Table(headers.toArray(String[]::new));
        for (JsonNode view : selected) {
            List<Object> row = new ArrayList<>();
            if (all) {
                row.add(view.path("namespace").asText());
            }
            row.add(view.path("name").asText());
            row.addAll(cells(view));
            table.row(row.toArray());
        }
        table.print(options.out());
        return 0;
    }

    /** kubectl's list cell: at most three values joined with commas, then {@code + N more...}; {@code <unset>} when empty. */
    static String firstThree(List<String> values) {
        if (values.isEmpty()) {
            return "<unset>";
        }
        String shown = String.join(",", values.subList(0, Math.min(3, values.size())));
        return values.size() > 3 ? shown + " + " + (values.size() - 3) + " more..." : shown;
    }
}
