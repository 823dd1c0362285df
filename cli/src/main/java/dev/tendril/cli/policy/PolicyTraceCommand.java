package dev.tendril.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.apply.ManifestKinds;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tendril policy trace}: would a connection be allowed, and by which policy (or why not), at the
 * sender's egress and the receiver's ingress. The verdict is the answer, so both exit 0.
 */
@Command(
        name = "trace",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Trace a connection through egress and ingress policy (like 'cilium policy trace').",
            "Each side is a pod (--from NS/POD), an identity (--from-identity N) or labels"
                    + " (--from-labels k=v,... [--from-namespace NS]); the same for --to.",
            "--to-service NS/NAME traces a connection to the Service's ClusterIP: translated to each backend as"
                    + " socket-LB does, the receiving side is every backend in turn (policy after translation)."
        })
public final class PolicyTraceCommand implements Callable<Integer> {

    @Option(names = "--from", paramLabel = "NS/POD", description = "The sending pod.")
    String fromPod;

    @Option(names = "--from-identity", paramLabel = "ID", description = "The sending identity.")
    Long fromIdentity;

    @Option(names = "--from-labels", paramLabel = "K=V[,K=V...]", description = "The sending pod's labels.")
    String fromLabels;

    @Option(
            names = "--from-namespace",
            paramLabel = "NS",
            description = "Namespace of --from-labels, or of --from given as POD (default: default).")
    String fromNamespace;

    @Option(names = "--to", paramLabel = "NS/POD", description = "The receiving pod.")
    String toPod;

    @Option(
            names = "--to-service",
            paramLabel = "NS/NAME",
            description = "A Service: the connection goes to its ClusterIP at --port (the Service's port).")
    String toService;

    @Option(names = "--to-identity", paramLabel = "ID", description = "The receiving identity.")
    Long toIdentity;

    @Option(names = "--to-labels", paramLabel = "K=V[,K=V...]", description = "The receiving pod's labels.")
    String toLabels;

    @Option(
            names = "--to-namespace",
            paramLabel = "NS",
            description = "Namespace of --to-labels, or of --to given as POD (default: default).")
    String toNamespace;

    @Option(
            names = "--port",
            paramLabel = "PORT[/PROTO]",
            required = true,
            description = "Destination port and protocol, e.g. 80/tcp, 53/udp (protocol default: TCP).")
    String port;

    @Mixin
    StackOutputOptions options;

    @Override
    public Integer call() {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("from", side("--from", fromPod, fromIdentity, fromLabels, fromNamespace));
        if (toService != null) {
            if (toPod != null || toIdentity != null || toLabels != null || toNamespace != null) {
                throw usage("--to-service goes alone: drop --to, --to-identity, --to-labels and --to-namespace");
            }
            request.put("to", Map.of("address", clusterIp(toService)));
        } else {
            request.put("to", side("--to", toPod, toIdentity, toLabels, toNamespace));
        }
        String[] portAndProtocol = port.split("/", 2);
        int number = portNumber(portAndProtocol[0]);
        String protocol = portAndProtocol.length == 2 ? portAndProtocol[1].toUpperCase(Locale.ROOT) : "TCP";
        request.put("port", number);
        request.put("protocol", protocol);

        JsonNode trace = ServiceClient.of(options.stack(), "policy").post("/v1/trace", request);
        PrintWriter out = options.out();
        if (options.json()) {
            options.printJson(trace);
            return 0;
        }
        String from = name(trace.path("from"));
        if (trace.hasNonNull("service")) {
            printService(out, trace, from, number, protocol);
            return 0;
        }
        String to = name(trace.path("to"));
        out.println(from + " (ID:" + trace.path("from").path("identity").asText("?") + ") -> " + to + " (ID:"
                + trace.path("to").path("identity").asText("?") + ") " + number + "/" + protocol);
        step(out, "egress  at " + from, trace.path("egress"));
        step(out, "ingress at " + to, trace.path("ingress"));
        out.println("verdict: " + trace.path("verdict").asText());
        out.flush();
        return 0;
    }

    /** Per backend: where the connection is translated to and the policy verdict there. */
    private static void printService(PrintWriter out, JsonNode trace, String from, int number, String protocol) {
        out.println(from + " (ID:" + trace.path("from").path("identity").asText("?") + ") -> service "
                + trace.path("service").asText() + " " + number + "/" + protocol);
        JsonNode backends = trace.path("backends");
        if (backends.isEmpty()) {
            out.println("  no backends: the connection is refused (Service backend not found)");
        }
        for (JsonNode backend : backends) {
            String pod = backend.path("pod").asText("");
            out.println("  backend " + backend.path("address").asText() + ":"
                    + backend.path("port").asInt()
                    + (pod.isEmpty() ? "" : " " + pod)
                    + (backend.hasNonNull("identity")
                            ? " (ID:" + backend.path("identity").asText() + ")"
                            : "")
                    + ": " + backend.path("verdict").asText()
                    + (backend.path("reason").asText("").isEmpty()
                            ? ""
                            : "  " + backend.path("reason").asText()));
        }
        out.println("verdict: " + trace.path("verdict").asText());
        out.flush();
    }

    /** The Service's first ClusterIP, from the policy service. */
    private String clusterIp(String service) {
        int slash = service.indexOf('/');
        if (slash <= 0 || slash == service.length() - 1 || service.indexOf('/', slash + 1) >= 0) {
            throw usage("--to-service must be NAMESPACE/NAME, not '" + service + "'");
        }
        JsonNode view = ServiceClient.of(options.stack(), "policy")
                .get(
                        "/v1/services/" + ServiceClient.segment(service.substring(0, slash)) + "/"
                                + ServiceClient.segment(service.substring(slash + 1)),
                        Map.of());
        JsonNode ips = view.path("clusterIPs");
        if (ips.isEmpty()) {
            throw usage("--to-service " + service + " has no ClusterIP");
        }
        return ips.get(0).asText();
    }

    private Map<String, Object> side(String option, String pod, Long identity, String labels, String namespace) {
        int given = (pod != null ? 1 : 0) + (identity != null ? 1 : 0) + (labels != null ? 1 : 0);
        if (given != 1) {
            throw usage("give exactly one of " + option + ", " + option + "-identity and " + option + "-labels");
        }
        Map<String, Object> side = new LinkedHashMap<>();
        if (identity != null) {
            if (namespace != null) {
                throw usage(option + "-namespace goes with " + option + " or " + option + "-labels, not " + option
                        + "-identity");
            }
            side.put("identity", identity);
        } else if (pod != null) {
            int slash = pod.indexOf('/');
            if (slash >= 0 && namespace != null) {
                throw usage(option + " " + pod + " names its namespace already; drop " + option + "-namespace");
            }
            String ns = slash >= 0
                    ? pod.substring(0, slash)
                    : namespace == null ? ManifestKinds.DEFAULT_NAMESPACE : namespace;
            String name = slash >= 0 ? pod.substring(slash + 1) : pod;
            if (ns.isEmpty() || name.isEmpty() || name.contains("/")) {
                throw usage(option + " must be NAMESPACE/POD, not '" + pod + "'");
            }
            side.put("namespace", ns);
            side.put("pod", name);
        } else {
            side.put("labels", labels(option + "-labels", labels));
            side.put("namespace", namespace == null ? ManifestKinds.DEFAULT_NAMESPACE : namespace);
        }
        return side;
    }

    private Map<String, String> labels(String option, String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw usage(option + " must be KEY=VALUE[,KEY=VALUE...], not '" + text + "'");
            }
            labels.put(
                    pair.substring(0, equals).strip(),
                    pair.substring(equals + 1).strip());
        }
        return labels;
    }

    private int portNumber(String text) {
        try {
            int number = Integer.parseInt(text);
            if (number >= 0 && number <= 65535) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below, with the rest of the bad values
        }
        throw usage("--port must be PORT[/PROTOCOL] with a port from 0 to 65535, not '" + port + "'");
    }

    private CommandLine.ParameterException usage(String message) {
        return options.usage(message);
    }

    /** {@code demo/frontend} for a pod, else its labels, else the identity. */
    private static String name(JsonNode side) {
        JsonNode endpoint = side.path("endpoint");
        if (endpoint.isTextual() && !endpoint.asText().isBlank()) {
            return endpoint.asText();
        }
        if (endpoint.isObject() && endpoint.has("pod")) {
            return endpoint.path("namespace").asText() + "/"
                    + endpoint.path("pod").asText();
        }
        List<String> labels = new ArrayList<>();
        side.path("labels").forEach(label -> labels.add(label.asText()));
        if (side.path("labels").isObject()) {
            side.path("labels")
                    .properties()
                    .forEach(l -> labels.add(l.getKey() + "=" + l.getValue().asText()));
        }
        return labels.isEmpty() ? "identity " + side.path("identity").asText("?") : String.join(",", labels);
    }

    /** {@code ingress at demo/db: DROPPED  Policy denied (133): why}, or nothing when the step was not evaluated. */
    private static void step(PrintWriter out, String where, JsonNode step) {
        if (!step.isObject()) {
            return;
        }
        String explanation = step.path("explanation").asText("");
        String detail;
        if (step.hasNonNull("dropReason")) {
            detail = step.get("dropReason").asText()
                    + (step.hasNonNull("dropReasonCode")
                            ? " (" + step.get("dropReasonCode").asText() + ")"
                            : "")
                    + (explanation.isBlank() ? "" : ": " + explanation);
        } else {
            detail = explanation.isBlank() ? "" : "(" + explanation + ")";
        }
        out.println((where + ": " + step.path("verdict").asText() + "  " + detail).stripTrailing());
    }
}
