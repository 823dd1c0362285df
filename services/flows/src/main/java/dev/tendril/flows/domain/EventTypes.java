package dev.tendril.flows.domain;

import java.util.List;
import java.util.Map;

/**
 * Cilium's monitor event types as {@code hubble observe --type TYPE[:SUBTYPE]} names them: the
 * {@code pkg/monitor/api} message type numbers and the trace observation points.
 */
public final class EventTypes {

    /**
     * Cilium's monitor message type names ({@code hubble observe --type}), as {@code pkg/monitor/api}
     * numbers them.
     */
    public static final Map<String, Integer> EVENT_TYPES = Map.of(
            "drop", 1,
            "debug", 2,
            "capture", 3,
            "trace", 4,
            "policy-verdict", 5,
            "recorder", 6,
            "trace-sock", 7,
            "l7", 129,
            "agent", 130);

    /** Trace observation point names ({@code --type trace:to-endpoint}), index = sub-type. */
    public static final List<String> TRACE_POINTS = List.of(
            "to-endpoint",
            "to-proxy",
            "to-host",
            "to-stack",
            "to-overlay",
            "from-endpoint",
            "from-proxy",
            "from-host",
            "from-stack",
            "from-overlay",
            "from-network",
            "to-network",
            "from-crypto",
            "to-crypto");

    private EventTypes() {}

    /** {@code TYPE[:SUBTYPE]} by name or number, as {@code hubble observe --type} parses it. */
    static FilterSpec.EventType parse(String text) {
        String[] parts = text.trim().split(":", 2);
        Integer type = EVENT_TYPES.get(parts[0]);
        if (type == null) {
            type = number(parts[0], text);
        }
        if (parts.length == 1) {
            return new FilterSpec.EventType(type, false, 0);
        }
        int subType =
                type == 4 && TRACE_POINTS.contains(parts[1]) ? TRACE_POINTS.indexOf(parts[1]) : number(parts[1], text);
        return new FilterSpec.EventType(type, true, subType);
    }

    private static int number(String part, String text) {
        try {
            long value = Long.parseLong(part);
            if (value >= 0 && value <= 255) {
                return (int) value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidFilterException(
                "type",
                "'" + text + "' is not TYPE[:SUBTYPE] (types: "
                        + String.join(", ", new java.util.TreeSet<>(EVENT_TYPES.keySet())) + ", or a number)");
    }
}
