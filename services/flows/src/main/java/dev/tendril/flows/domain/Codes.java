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
    public static final List<String> PROTOCOLS = List.of("", "TCP", "UDP", "ICMPv4", "ICMPv6", "SCTP", "VRRP", "IGMP");

    private Codes() {}

    public static int verdict(String text, String field) {
        return index(VERDICTS, text, field, "verdict");
    }

    public static int direction(String text, String field) {
        return index(DIRECTIONS, text, field, "traffic direction");
    }

    /**
     * A protocol filter value as Hubble's server reads it: an L4 protocol ({@code flow.Layer4} field
     * numbers in {@code l4}; {@code icmp} is ICMPv4 or ICMPv6) or an L7 one ({@link FlowDetails} kinds in
     * {@code l7}), which matches flows carrying that L7 record.
     */
    public record Protocol(int[] l4, int l7) {

        boolean matches(int flowL4, int flowL7) {
            if (l7 != FlowDetails.L7_NONE) {
                return flowL7 == l7;
            }
            for (int p : l4) {
                if (p == flowL4) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Protocol names Hubble accepts, lower case. */
    public static final List<String> PROTOCOL_NAMES =
            List.of("tcp", "udp", "icmp", "icmpv4", "icmpv6", "sctp", "vrrp", "igmp", "dns", "http", "kafka");

    public static Protocol protocol(String text, String field) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "tcp" -> new Protocol(new int[] {1}, FlowDetails.L7_NONE);
            case "udp" -> new Protocol(new int[] {2}, FlowDetails.L7_NONE);
            case "icmpv4" -> new Protocol(new int[] {3}, FlowDetails.L7_NONE);
            case "icmpv6" -> new Protocol(new int[] {4}, FlowDetails.L7_NONE);
            case "icmp" -> new Protocol(new int[] {3, 4}, FlowDetails.L7_NONE);
            case "sctp" -> new Protocol(new int[] {5}, FlowDetails.L7_NONE);
            case "vrrp" -> new Protocol(new int[] {6}, FlowDetails.L7_NONE);
            case "igmp" -> new Protocol(new int[] {7}, FlowDetails.L7_NONE);
            case "dns" -> new Protocol(new int[0], FlowDetails.L7_DNS);
            case "http" -> new Protocol(new int[0], FlowDetails.L7_HTTP);
            case "kafka" -> new Protocol(new int[0], FlowDetails.L7_KAFKA);
            default ->
                throw new InvalidFilterException(
                        field, "unknown protocol '" + text + "' (" + String.join(", ", PROTOCOL_NAMES) + ")");
        };
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
