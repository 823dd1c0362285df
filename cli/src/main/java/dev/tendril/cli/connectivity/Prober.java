package dev.tendril.cli.connectivity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.agent.PodRef;
import dev.tendril.cli.api.ServiceException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One probe: {@code POST /v1/probe} {@code {from, to, port, protocol[, model]}} to the agent holding the source pod,
 * which answers {@code {verdict, from, to, egress, ingress}}; each stage {@code {verdict, dropReason, dropReasonCode,
 * matchType, policies, node}}, {@code ingress} null when the packet never got there. An agent on the kernel datapath
 * also says which datapath answered ({@code datapath}), the model's answer ({@code model}) and whether the two
 * disagree ({@code disagrees}; absent means they do not); {@code "model": true} in the request asks for the model's.
 */
final class Prober {

    static final String FORWARDED = "FORWARDED";

    private final Agents agents;
    private final boolean model;

    /** {@code model}: ask for the model's verdict even from an agent on the kernel datapath. */
    Prober(Agents agents, boolean model) {
        this.agents = agents;
        this.model = model;
    }

    Agents agents() {
        return agents;
    }

    JsonNode probe(PodRef from, PodRef to, int port, String protocol) {
        return probe(from, to.toString(), port, protocol);
    }

    /** A probe to {@code to}: {@code ns/pod} or an IP address (outside the cluster too). */
    JsonNode probe(PodRef from, String to, int port, String protocol) {
        Agents.Located source = agents.require(from.namespace(), from.pod());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("from", from.toString());
        body.put("to", to);
        body.put("port", port);
        body.put("protocol", protocol);
        if (model) {
            body.put("model", true);
        }
        JsonNode answer = source.agent().client().post("/v1/probe", body);
        if (answer == null || !answer.path("verdict").isTextual()) {
            throw new ServiceException(
                    source.agent().name() + " answered the probe " + from + " -> " + to + " without a verdict");
        }
        return answer;
    }

    static boolean forwarded(JsonNode answer) {
        return FORWARDED.equals(answer.path("verdict").asText());
    }

    /**
     * {@code demo/frontend -> demo/database 80/TCP: DROPPED (Policy denied, ingress at node-2, policies: ...)} or
     * {@code ... FORWARDED (egress: allowed by ..., ingress: allowed by ...)}.
     */
    static String line(PodRef from, String to, int port, String protocol, JsonNode answer) {
        String datapath = datapath(answer);
        return from + " -> " + to + " " + port + "/" + protocol + ": " + outcome(answer)
                + (datapath == null ? "" : " [" + datapath + " datapath" + modelBecause(answer) + "]")
                + (disagrees(answer) ? "; " + disagreement(answer) : "");
    }

    /** The datapath that answered, {@code kernel} or {@code model}; null when the agent does not say. */
    static String datapath(JsonNode answer) {
        JsonNode datapath = answer.path("datapath");
        return datapath.isTextual() ? datapath.asText() : null;
    }

    /** {@code : the kernel has no SCTP ...} when the agent says why the model answered on a kernel node. */
    static String modelBecause(JsonNode answer) {
        JsonNode because = answer.path("modelBecause");
        return because.isTextual() ? ": " + because.asText() : "";
    }

    /** Whether the agent says its datapath's verdict and the model's differ; absent means they agree. */
    static boolean disagrees(JsonNode answer) {
        return answer.path("disagrees").asBoolean(false);
    }

    /** {@code THE MODEL DISAGREES: DROPPED (...)}: the model's answer, when the agent sent it. */
    static String disagreement(JsonNode answer) {
        JsonNode model = answer.path("model");
        String says = model.isObject() && model.path("verdict").isTextual()
                ? outcome(model)
                : model.isTextual() ? model.asText() : null;
        return "THE MODEL DISAGREES" + (says == null ? "" : ": " + says);
    }

    /** The verdict and why: {@code DROPPED (Policy denied, ingress at node-2, policies: ...)}. */
    static String outcome(JsonNode answer) {
        String head = answer.path("verdict").asText();
        List<String> details = new ArrayList<>();
        if (forwarded(answer)) {
            for (String direction : List.of("egress", "ingress")) {
                JsonNode stage = answer.path(direction);
                if (stage.isObject()) {
                    List<String> policies = policies(stage);
                    details.add(direction + ": "
                            + (policies.isEmpty() ? "not enforced" : "allowed by " + String.join(", ", policies)));
                }
            }
        } else {
            String direction = droppedAt(answer);
            if (direction != null) {
                JsonNode stage = answer.path(direction);
                details.add(dropReason(stage));
                details.add(direction
                        + (stage.hasNonNull("node") ? " at " + stage.get("node").asText() : ""));
                List<String> policies = policies(stage);
                if (!policies.isEmpty()) {
                    details.add("policies: " + String.join(", ", policies));
                }
            }
        }
        return details.isEmpty() ? head : head + " (" + String.join(", ", details) + ")";
    }

    /** The half that dropped the packet, {@code egress} or {@code ingress}; null when neither says so. */
    static String droppedAt(JsonNode answer) {
        return dropped(answer.path("egress")) ? "egress" : dropped(answer.path("ingress")) ? "ingress" : null;
    }

    /**
     * Cilium's text for the Hubble drop reason the agent names ({@code POLICY_DENIED} is "Policy denied", as
     * {@code hubble observe} prints it); a name this table does not know is shown as sent.
     */
    static String dropReason(JsonNode stage) {
        String name = stage.path("dropReason").asText("");
        return switch (name) {
            case "" -> "dropped";
            case "POLICY_DENIED" -> "Policy denied";
            case "POLICY_DENY" -> "Policy denied by denylist";
            case "AUTH_REQUIRED" -> "Authentication required";
            default -> name;
        };
    }

    private static boolean dropped(JsonNode stage) {
        return stage.isObject()
                && !FORWARDED.equals(stage.path("verdict").asText())
                && !"ALLOWED".equals(stage.path("verdict").asText());
    }

    /** A stage's policies as {@code Kind/namespace/name}, whether the agent sends strings or objects. */
    static List<String> policies(JsonNode stage) {
        List<String> refs = new ArrayList<>();
        for (JsonNode policy : stage.path("policies")) {
            refs.add(
                    policy.isTextual()
                            ? policy.asText()
                            : policy.path("kind").asText() + "/"
                                    + policy.path("namespace").asText() + "/"
                                    + policy.path("name").asText());
        }
        return refs;
    }

    /** The protocol as the agent takes it: upper case, TCP, UDP or SCTP. */
    static String protocol(String given) {
        String protocol = given.toUpperCase(Locale.ROOT);
        if (!List.of("TCP", "UDP", "SCTP").contains(protocol)) {
            throw new IllegalArgumentException("--protocol must be TCP, UDP or SCTP, not '" + given + "'");
        }
        return protocol;
    }
}
