package dev.tendril.flows.domain;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code hubble observe}'s flags (here REST query parameters) as whitelist filters, the way the Hubble
 * CLI builds them: a flag without direction ({@code pod}, {@code namespace}, {@code label}, {@code ip},
 * {@code port}, {@code identity}) matches either side, so it yields two filters, one with the value on
 * the source, one on the destination; {@code from-*} and {@code to-*} flags and the side-less ones
 * ({@code verdict}, {@code protocol}, {@code node}, {@code traffic-direction}, {@code tcp-flags},
 * {@code ip-version}) go into both. {@code namespace} qualifies pod values given without one; alone it
 * is the pod filter {@code namespace/}.
 */
public final class ObserveFilters {

    public static final Set<String> PARAMETERS = Set.of(
            "namespace",
            "pod",
            "from-pod",
            "to-pod",
            "from-namespace",
            "to-namespace",
            "label",
            "from-label",
            "to-label",
            "ip",
            "from-ip",
            "to-ip",
            "port",
            "from-port",
            "to-port",
            "identity",
            "from-identity",
            "to-identity",
            "verdict",
            "protocol",
            "node",
            "traffic-direction",
            "tcp-flags",
            "ip-version");

    private static final Pattern RELATIVE = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private ObserveFilters() {}

    /** Filters for the given parameters (unknown names are ignored; the caller checks them). */
    public static List<FilterSpec> whitelist(Map<String, List<String>> params) {
        for (String name : List.of("ip", "from-ip", "to-ip")) {
            values(params, name).forEach(v -> IpMatcher.parse(v, name));
        }
        for (String name : List.of("port", "from-port", "to-port")) {
            values(params, name).forEach(v -> FlowSelection.port(v, name));
        }
        for (String name : List.of("label", "from-label", "to-label")) {
            values(params, name).forEach(v -> FlowSelection.labelSelector(v, name));
        }
        FilterSpec.Builder left = FilterSpec.builder();
        FilterSpec.Builder right = FilterSpec.builder();
        boolean both = false;

        List<String> namespaces = values(params, "namespace");
        List<String> pods = qualify(values(params, "pod"), namespaces);
        List<String> fromPods = qualify(values(params, "from-pod"), namespaces);
        List<String> toPods = qualify(values(params, "to-pod"), namespaces);
        if (!namespaces.isEmpty() && pods.isEmpty() && fromPods.isEmpty() && toPods.isEmpty()) {
            pods = namespaces.stream().map(ns -> ns + "/").toList();
        }
        values(params, "from-namespace").forEach(ns -> fromPods.add(ns + "/"));
        values(params, "to-namespace").forEach(ns -> toPods.add(ns + "/"));

        both |= either(pods, left.sourcePod, right.destinationPod);
        both |= either(values(params, "label"), left.sourceLabel, right.destinationLabel);
        both |= either(values(params, "ip"), left.sourceIp, right.destinationIp);
        both |= either(values(params, "port"), left.sourcePort, right.destinationPort);
        both |= either(
                identities(values(params, "identity"), "identity"), left.sourceIdentity, right.destinationIdentity);

        side(fromPods, left.sourcePod, right.sourcePod);
        side(toPods, left.destinationPod, right.destinationPod);
        side(values(params, "from-label"), left.sourceLabel, right.sourceLabel);
        side(values(params, "to-label"), left.destinationLabel, right.destinationLabel);
        side(values(params, "from-ip"), left.sourceIp, right.sourceIp);
        side(values(params, "to-ip"), left.destinationIp, right.destinationIp);
        side(values(params, "from-port"), left.sourcePort, right.sourcePort);
        side(values(params, "to-port"), left.destinationPort, right.destinationPort);
        side(identities(values(params, "from-identity"), "from-identity"), left.sourceIdentity, right.sourceIdentity);
        side(
                identities(values(params, "to-identity"), "to-identity"),
                left.destinationIdentity,
                right.destinationIdentity);

        side(
                values(params, "verdict").stream()
                        .map(v -> Codes.verdict(v, "verdict"))
                        .toList(),
                left.verdict,
                right.verdict);
        side(
                values(params, "protocol").stream()
                        .peek(p -> Codes.protocol(p, "protocol"))
                        .toList(),
                left.protocol,
                right.protocol);
        side(values(params, "node"), left.nodeName, right.nodeName);
        side(
                values(params, "traffic-direction").stream()
                        .map(d -> Codes.direction(d, "traffic-direction"))
                        .toList(),
                left.trafficDirection,
                right.trafficDirection);
        side(
                values(params, "tcp-flags").stream()
                        .map(f -> TcpFlags.parse(f, "tcp-flags"))
                        .toList(),
                left.tcpFlags,
                right.tcpFlags);
        side(
                values(params, "ip-version").stream()
                        .map(v -> Codes.ipVersion(v, "ip-version"))
                        .toList(),
                left.ipVersion,
                right.ipVersion);

        List<FilterSpec> filters = new ArrayList<>();
        if (!left.isEmpty()) {
            filters.add(left.build());
        }
        if (both) {
            filters.add(right.build());
        }
        // Field names in these errors are the parameters', not the proto's.
        try {
            FlowSelection.compile(filters, List.of());
        } catch (InvalidFilterException e) {
            throw new InvalidFilterException(parameterOf(e.field()), e.reason());
        }
        return filters;
    }

    /**
     * An RFC 3339 time ({@code 2026-11-26T14:31:07Z}) or a duration before {@code nowNanos}
     * ({@code 90s}, {@code 5m}, {@code 2h}, {@code 1d}, optionally followed by {@code  ago}), as Unix ns.
     */
    public static long time(String text, String field, long nowNanos) {
        String value = text.trim();
        if (value.endsWith(" ago")) {
            value = value.substring(0, value.length() - 4).trim();
        }
        Matcher relative = RELATIVE.matcher(value);
        if (relative.matches()) {
            long amount = Long.parseLong(relative.group(1));
            long unit = switch (relative.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            return nowNanos - amount * unit;
        }
        try {
            Instant instant = Instant.parse(value);
            return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
        } catch (DateTimeParseException e) {
            throw new InvalidFilterException(
                    field, "'" + text + "' is neither an RFC 3339 time nor a duration like 5m");
        }
    }

    private static String parameterOf(String protoField) {
        String name = protoField.substring(protoField.indexOf('.') + 1);
        return switch (name) {
            case "source_pod", "destination_pod" -> "pod";
            case "source_label", "destination_label" -> "label";
            case "source_ip", "destination_ip" -> "ip";
            case "source_port", "destination_port" -> "port";
            case "node_name" -> "node";
            default -> name.replace('_', '-');
        };
    }

    private static List<String> values(Map<String, List<String>> params, String name) {
        List<String> out = new ArrayList<>();
        for (String value : params.getOrDefault(name, List.of())) {
            // a,b is two values, except inside a label selector's parentheses or a selector list
            if (name.contains("label")) {
                out.add(value);
            } else {
                for (String part : value.split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.trim());
                    }
                }
            }
        }
        return out;
    }

    private static List<String> qualify(List<String> pods, List<String> namespaces) {
        List<String> out = new ArrayList<>();
        for (String pod : pods) {
            if (pod.contains("/") || namespaces.isEmpty()) {
                out.add(pod);
            } else {
                namespaces.forEach(ns -> out.add(ns + "/" + pod));
            }
        }
        return out;
    }

    private static List<Integer> identities(List<String> values, String field) {
        List<Integer> ids = new ArrayList<>();
        for (String value : values) {
            try {
                long id = Long.parseLong(value);
                if (id < 0 || id > 0xffffffffL) {
                    throw new NumberFormatException();
                }
                ids.add((int) id);
            } catch (NumberFormatException e) {
                throw new InvalidFilterException(field, "'" + value + "' is not a numeric identity");
            }
        }
        return ids;
    }

    private static <T> boolean either(List<T> values, List<T> source, List<T> destination) {
        source.addAll(values);
        destination.addAll(values);
        return !values.isEmpty();
    }

    private static <T> void side(List<T> values, List<T> left, List<T> right) {
        left.addAll(values);
        right.addAll(values);
    }
}
