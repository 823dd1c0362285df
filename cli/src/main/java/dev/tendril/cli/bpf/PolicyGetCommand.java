package dev.tendril.cli.bpf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.agent.PodRef;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import dev.tendril.cli.api.Table;
import dev.tendril.cli.stack.Stack;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code tendril bpf policy get NS/POD}: the policy map of a pod's endpoint, read from the agent that holds the
 * pod, with the columns of {@code cilium bpf policy get} the map fills. Peer labels come from the identity
 * service; without it the identity number alone is shown.
 */
@Command(
        name = "get",
        mixinStandardHelpOptions = true,
        description = "Show the policy map of a pod's endpoint, from the agent that holds the pod.")
final class PolicyGetCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NS/POD", converter = PodRef.Converter.class, description = "The pod.")
    PodRef pod;

    @Mixin
    StackOutputOptions options;

    private final Map<Long, String> labels = new HashMap<>();

    @Override
    public Integer call() {
        Stack stack = options.stack();
        Agents.Located located = Agents.of(stack).require(pod.namespace(), pod.pod());
        JsonNode dump = located.agent()
                .client()
                .get(
                        "/v1/maps/policy/" + ServiceClient.segment(pod.namespace()) + "/"
                                + ServiceClient.segment(pod.pod()),
                        Map.of());
        PrintWriter out = options.out();
        if (options.json()) {
            options.printJson(dump);
            return 0;
        }
        ServiceClient identity = stack.component("identity").isPresent() ? ServiceClient.of(stack, "identity") : null;
        Table table = new Table("POLICY", "DIRECTION", "LABELS (IDENTITY)", "PORT/PROTO", "PROXY PORT");
        for (JsonNode row : dump.path("rows")) {
            long peer = row.path("identity").asLong();
            int proxyPort = row.path("proxyPort").asInt();
            table.row(
                    row.path("deny").asBoolean() ? "Deny" : "Allow",
                    capitalized(row.path("direction").asText()),
                    peer == 0 ? "ANY" : labels(identity, peer) + " (" + peer + ")",
                    portProto(
                            row.path("protocol").asText("ANY"),
                            row.path("port").asInt(),
                            row.path("portPrefixBits").asInt(16)),
                    proxyPort == 0 ? "NONE" : proxyPort);
        }
        out.println("Endpoint " + pod + " on " + located.agent().node() + " ("
                + dump.path("map").asText() + ", " + dump.path("entries").asInt() + " entries)");
        table.print(out);
        return 0;
    }

    private String labels(ServiceClient identity, long id) {
        return labels.computeIfAbsent(id, key -> {
                    if (identity == null) {
                        return "";
                    }
                    try {
                        List<String> values = new ArrayList<>();
                        identity.get("/v1/identities/" + key, Map.of())
                                .path("labels")
                                .forEach(l -> values.add(l.asText()));
                        return String.join(",", values);
                    } catch (ServiceException e) {
                        if (e.status() == 0) {
                            return "";
                        }
                        return e.notFound() ? "unknown" : "";
                    }
                })
                .transform(text -> text.isEmpty() ? "-" : text);
    }

    /** {@code 80/TCP}, a range {@code 8080-8087/TCP} from the prefix bits, {@code ANY/TCP}, or {@code ANY}. */
    static String portProto(String protocol, int port, int prefixBits) {
        if (protocol.equals("ANY")) {
            return "ANY";
        }
        if (prefixBits == 0) {
            return "ANY/" + protocol;
        }
        int size = 1 << (16 - Math.min(16, prefixBits));
        return (size == 1 ? Integer.toString(port) : port + "-" + (port + size - 1)) + "/" + protocol;
    }

    private static String capitalized(String text) {
        return text.isEmpty() ? text : text.substring(0, 1).toUpperCase(Locale.ROOT) + text.substring(1);
    }
}
