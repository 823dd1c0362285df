package dev.tendril.cli.connectivity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.agent.PodRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The verdict one probe of a connectivity test must get: forwarded, or dropped, optionally at a given half, with a
 * given drop reason code and by a given policy ({@code Kind/namespace/name}, among the dropping half's policies).
 *
 * @param to        {@code ns/pod}, an IP address, or a Service target of {@link ServiceTargets}
 * @param direction {@code egress} or {@code ingress}, or null for either
 * @param dropCode  the drop reason code, or null for any
 * @param policy    the policy the drop must name, or null
 */
record Expectation(PodRef from, String to, boolean forwarded, String direction, Integer dropCode, String policy) {

    /** The drop reasons a test expects by code, with the names Cilium gives them. */
    private static final Map<Integer, String> REASONS = Map.of(133, "Policy denied", 181, "Policy denied by denylist");

    static Expectation forwarded(PodRef from, Object to) {
        return new Expectation(from, to.toString(), true, null, null, null);
    }

    static Expectation dropped(PodRef from, Object to) {
        return new Expectation(from, to.toString(), false, null, null, null);
    }

    Expectation at(String direction) {
        return new Expectation(from, to, forwarded, direction, dropCode, policy);
    }

    Expectation because(int code) {
        return new Expectation(from, to, forwarded, direction, code, policy);
    }

    Expectation by(String policy) {
        return new Expectation(from, to, forwarded, direction, dropCode, policy);
    }

    /** {@code ns/client -> ns/server 80/TCP}; a NodePort target's port is the Service's: {@code ... -> nodeport:NODE:NS/NAME TCP}. */
    String connection() {
        return from + " -> " + to + " " + (to.startsWith(ServiceTargets.NODE_PORT) ? "" : TestWorkload.PORT + "/")
                + TestWorkload.PROTOCOL;
    }

    /** Null when {@code answer} is what was expected; else {@code CONNECTION: expected ..., got VERDICT (why)}. */
    String mismatch(JsonNode answer) {
        boolean matches;
        if (forwarded) {
            matches = Prober.forwarded(answer);
        } else if (Prober.forwarded(answer)) {
            matches = false;
        } else {
            String at = Prober.droppedAt(answer);
            JsonNode stage = at == null ? null : answer.path(at);
            matches = (direction == null || direction.equals(at))
                    && (dropCode == null
                            || stage != null && stage.path("dropReasonCode").asInt() == dropCode)
                    && (policy == null
                            || stage != null && Prober.policies(stage).contains(policy));
        }
        return matches ? null : connection() + ": expected " + expected() + ", got " + Prober.outcome(answer);
    }

    /** {@code DROPPED (181 Policy denied by denylist, at ingress, by CiliumNetworkPolicy/ns/deny)}. */
    String expected() {
        if (forwarded) {
            return Prober.FORWARDED;
        }
        List<String> details = new ArrayList<>();
        if (dropCode != null) {
            details.add(REASONS.containsKey(dropCode) ? dropCode + " " + REASONS.get(dropCode) : dropCode.toString());
        }
        if (direction != null) {
            details.add("at " + direction);
        }
        if (policy != null) {
            details.add("by " + policy);
        }
        return "DROPPED" + (details.isEmpty() ? "" : " (" + String.join(", ", details) + ")");
    }
}
