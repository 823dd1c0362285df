package dev.tendril.cli.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.tendril.cli.OutputOption;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.Table;
import dev.tendril.cli.stack.Stack;
import dev.tendril.cli.stack.StackOption;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tendril history KIND/NAME}: the changes of one object, oldest first, from every service that
 * keeps events about it (a pod: its endpoint in identity, its addresses in ipam), with when, which
 * service, who (the caller's principal, {@code node:<name>} for an agent, {@code system:<service>} for
 * a service's own change) and the request id.
 */
@Command(
        name = "history",
        mixinStandardHelpOptions = true,
        description = "Show who changed an object, when, and what: tendril history KIND/NAME [-n NAMESPACE].")
public final class HistoryCommand implements Callable<Integer> {

    /** How the changes are printed. */
    public enum Format {
        TEXT,
        JSON,
        YAML
    }

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
    private static final int SUMMARY_WIDTH = 80;

    @Mixin
    StackOption stackOption;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "KIND/NAME",
            description = "The object: pod/web-1, ns/demo, node/worker-1, identity/12345, netpol/allow-web, cnp/x "
                    + "(or KIND NAME).")
    String object;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "The name, when KIND is given alone.")
    String separateName;

    @Option(
            names = {"-n", "--namespace"},
            paramLabel = "NAMESPACE",
            defaultValue = "default",
            description = "Namespace of a namespaced kind (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format = Format.TEXT;

    @Override
    public Integer call() {
        String typedKind;
        String name;
        int slash = object.indexOf('/');
        if (slash >= 0) {
            if (separateName != null) {
                throw usage("give KIND/NAME or KIND NAME, not both");
            }
            typedKind = object.substring(0, slash);
            name = object.substring(slash + 1);
        } else {
            if (separateName == null) {
                throw usage("missing the name: tendril history KIND/NAME");
            }
            typedKind = object;
            name = separateName;
        }
        HistoryKind kind = HistoryKind.parse(typedKind)
                .orElseThrow(() -> usage("unknown kind '" + typedKind + "'; known: " + HistoryKind.known()));
        if (name.isEmpty()) {
            throw usage("missing the name: tendril history " + typedKind + "/NAME");
        }
        Stack stack = stackOption.stack();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("kind", kind.apiName());
        if (kind.namespaced()) {
            query.put("namespace", namespace);
        }
        query.put("name", name);
        List<JsonNode> changes = new ArrayList<>();
        for (String service : kind.services()) {
            JsonNode answer = ServiceClient.of(stack, service).get("/v1/history", query);
            answer.path("changes").forEach(changes::add);
        }
        // Stable: changes at the same instant keep their service's order (its stream and position).
        changes.sort(Comparator.comparing(HistoryCommand::time));
        print(kind, name, changes);
        return 0;
    }

    private void print(HistoryKind kind, String name, List<JsonNode> changes) {
        PrintWriter out = spec.commandLine().getOut();
        if (format == Format.TEXT) {
            if (changes.isEmpty()) {
                out.println("No changes recorded for " + kind.apiName() + " "
                        + (kind.namespaced() ? namespace + "/" : "") + name + ".");
                out.flush();
                return;
            }
            Table table = new Table("time", "service", "principal", "request", "change");
            for (JsonNode change : changes) {
                table.row(
                        time(change).truncatedTo(ChronoUnit.SECONDS),
                        change.path("service").asText(),
                        change.path("principal").asText(),
                        change.path("requestId").asText("-"),
                        summary(change));
            }
            table.print(out);
            return;
        }
        ObjectNode document = JsonNodeFactory.instance.objectNode();
        document.put("kind", kind.apiName());
        if (kind.namespaced()) {
            document.put("namespace", namespace);
        }
        document.put("name", name);
        ArrayNode list = document.putArray("changes");
        changes.forEach(list::add);
        if (format == Format.JSON) {
            OutputOption.printJson(out, document);
        } else {
            try {
                out.print(YAML.writeValueAsString(document));
                out.flush();
            } catch (IOException e) {
                throw new IllegalStateException("cannot write YAML: " + e.getMessage(), e);
            }
        }
    }

    private static Instant time(JsonNode change) {
        JsonNode time = change.path("time");
        if (time.isNumber()) {
            return Instant.ofEpochSecond(0).plusNanos((long) (time.asDouble() * 1e9));
        }
        return time.isTextual() ? Instant.parse(time.asText()) : Instant.EPOCH;
    }

    /**
     * The event type and the few facts that tell changes of its kind apart (a policy's revision, a pod's
     * node and address, an identity's number), from the payload however deep the service nests them.
     */
    static String summary(JsonNode change) {
        StringBuilder summary = new StringBuilder(change.path("type").asText());
        JsonNode what = change.path("what");
        List<JsonNode> levels =
                List.of(what, what.path("endpoint"), what.path("endpoint").path("spec"), what.path("namespace"));
        for (String field : List.of(
                "revision", "node", "identity", "id", "ip", "ips", "owner", "cidr", "reason", "forced", "labels")) {
            for (JsonNode level : levels) {
                JsonNode value = level.path(field);
                if (!value.isMissingNode() && !value.isNull() && !value.isObject()) {
                    summary.append(' ').append(field).append('=').append(text(value));
                    break;
                }
            }
        }
        return summary.length() > SUMMARY_WIDTH ? summary.substring(0, SUMMARY_WIDTH - 3) + "..." : summary.toString();
    }

    private static String text(JsonNode value) {
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(item.isValueNode() ? item.asText() : item.toString()));
            return String.join(",", items);
        }
        return value.asText();
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
