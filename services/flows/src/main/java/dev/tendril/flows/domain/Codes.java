package dev.tendril.flows.domain;

import java.util.List;
import java.util.Locale;

/** The names of Hubble's verdicts, directions, protocols and IP versions, parsed case-insensitively. */
public final class Codes {

    /** Index = {@code flow.Verdict} number. */
    public static final List<String> VERDICTS =
            List.of("VERDICT_UNKNOWN", "FORWARDED", "DROPPED", "ERROR", "AUDIT", "REDIRECTED", "TRACED", "TRANSLATED");
    /** Index = {@code flow.TrafficDirection} number. */
    public static final List<String> DIRECTIONS = List.of("TRAFFIC_DIRECTION_UNKNOWN", "INGRESS", "EGRESS");
    /** Index = {@code flow.Layer4} field number (0: none). */
    public static final List<String> PROTOCOLS = List.of("", "TCP", "UDP", "ICMPv4", "ICMPv6", "SCTP");

    private Codes() {}

    public static int verdict(String text, String field) {
        return index(VERDICTS, text, field, "verdict");
    }

    public static int direction(String text, String field) {
        return index(DIRECTIONS, text, field, "traffic direction");
    }

    public static int protocol(String text, String field) {
        if (text.equalsIgnoreCase("icmp")) {
            throw new InvalidFilterException(field, "say icmpv4 or icmpv6");
        }
        int code = index(PROTOCOLS, text, field, "protocol");
        if (code == 0) {
            throw new InvalidFilterException(field, "unknown protocol ''");
        }
        return code;
    }

    public static int ipVersion(String text, String field) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "ipv4", "4" -> 1;
            case "ipv6", "6" -> 2;
            default -> throw new InvalidFilterException(field, "unknown IP version '" + text + "' (ipv4, ipv6)");
        };
    }

    private static int index(List<String> names, String text, String field, String what) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(text.trim())) {
                return i;
            }
        }
        throw new InvalidFilterException(
                field,
                "unknown " + what + " '" + text + "' ("
                        + String.join(
                                ", ", names.stream().filter(n -> !n.isEmpty()).toList()) + ")");
    }

    static void checkKnown(List<String> names, int code, String field, String what) {
        if (code < 0 || code >= names.size()) {
            throw new InvalidFilterException(field, "unknown " + what + " " + code);
        }
    }
}
