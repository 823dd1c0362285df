package dev.tendril.testing.browser;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A flow as the service map page's table prints it, for comparing the table with what {@code GET /v1/flows} or
 * {@code tendril observe -o json} gives: source | destination | port | verdict | drop reason | policies, without
 * the time (ui/src/servicemap.ts has the page's own rules: {@code endpointText}, {@code portOf}, {@code policiesOf}).
 */
public final class FlowTableRows {

    private FlowTableRows() {}

    /** The row of one {@code flow.Flow} in Hubble's JSON. */
    public static String row(JsonNode flow) {
        String verdict = flow.path("verdict").asText();
        List<String> policies = new ArrayList<>();
        for (String side : List.of("ingress_denied_by", "egress_denied_by")) {
            flow.path(side)
                    .forEach(p -> policies.add(p.path("kind").asText() + "/"
                            + p.path("namespace").asText() + "/"
                            + p.path("name").asText()));
        }
        return String.join(
                " | ",
                endpoint(flow.path("source"), flow.path("IP").path("source").asText()),
                endpoint(
                        flow.path("destination"),
                        flow.path("IP").path("destination").asText()),
                port(flow.path("l4")),
                verdict,
                verdict.equals("DROPPED") ? flow.path("drop_reason_desc").asText() : "",
                String.join(", ", policies));
    }

    private static String endpoint(JsonNode endpoint, String ip) {
        if (endpoint.hasNonNull("pod_name")) {
            return endpoint.path("namespace").asText() + "/"
                    + endpoint.path("pod_name").asText();
        }
        for (JsonNode label : endpoint.path("labels")) {
            if (label.asText().startsWith("reserved:")) {
                return ip + " (" + label.asText().substring("reserved:".length()) + ")";
            }
        }
        return ip.isEmpty() ? "?" : ip;
    }

    private static String port(JsonNode l4) {
        for (String protocol : List.of("TCP", "UDP", "SCTP")) {
            if (l4.has(protocol)) {
                return protocol + "/"
                        + l4.path(protocol).path("destination_port").asInt();
            }
        }
        return l4.has("ICMPv4") ? "ICMPv4" : l4.has("ICMPv6") ? "ICMPv6" : "L3";
    }
}
