package dev.tendril.flows.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code hubble observe}'s flags (here REST query parameters) as whitelist filters, the way the Hubble
 * CLI builds them: a flag without direction ({@code pod}, {@code namespace}, {@code label}, {@code ip},
 * {@code port}, {@code identity}) matches either side, so it yields two filters, one with the value on
 * the source, one on the destination; {@code from-*} and {@code to-*} flags and the side-less ones
 * ({@code verdict}, {@code protocol}, {@code node}, {@code traffic-direction}, {@code tcp-flags},
 * {@code ip-version}, {@code type}, {@code uuid}, ...) go into both. The namespace flags
 * ({@code namespace}, {@code from-namespace}, {@code to-namespace}, {@code all-namespaces} and its
 * directed forms) qualify pod values given without one, or alone stand for {@code namespace/}, exactly
 * as the CLI's filterTracker does; a pod value without a namespace is then Hubble's {@code default/pod}.
 * Parameters prefixed {@link #NOT} form the blacklist ({@code --not}); flags Tendril has no data for
 * ({@link #REFUSED}) fail.
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
            "ip-version",
            "all-namespaces",
            "from-all-namespaces",
            "to-all-namespaces",
            "type",
            "drop-reason-desc",
            "uuid",
            "fqdn",
            "from-fqdn",
            "to-fqdn",
            "workload",
            "from-workload",
            "to-workload",
            "cluster",
            "from-cluster",
            "to-cluster",
            "node-label");

    /**
     * {@code hubble observe} flags Tendril has no data for: a request naming one fails, naming it,
     * rather than matching everything.
     */
    public static final Set<String> REFUSED = Set.of(
            "service",
            "from-service",
            "to-service",
            "http-status",
            "http-method",
            "http-path",
            "http-url",
            "http-header",
            "trace-id",
            "ip-trace-id",
            "ip-trace-option",
            "snat-ip",
            "interface",
            "encrypted",
            "unencrypted",
            "cel-expression");

    /** Prefix of a parameter that goes to the blacklist, as {@code --not} before a flag. */
    public static final String NOT = "not-";

    private ObserveFilters() {}

    /** Filters for the given parameters, drop reasons by number (unknown names are ignored; the caller checks them). */
    public static List<FilterSpec> whitelist(Map<String, List<String>> params) {
        return whitelist(params, name -> {
            throw new InvalidFilterException("drop-reason-desc", "unknown drop reason '" + name + "'");
        });
    }

    /**
     * The blacklist: the parameters prefixed {@link #NOT}, combined as {@code hubble observe} combines
     * the flags after each {@code --not} (one filter set, so {@code not-a&not-b} drops flows matching
     * both).
     */
    public static List<FilterSpec> blacklist(
            Map<String, List<String>> params, java.util.function.ToIntFunction<String> dropReasons) {
        Map<String, List<String>> negated = new java.util.HashMap<>();
        params.forEach((name, values) -> {
            if (name.startsWith(NOT)) {
                negated.put(name.substring(NOT.length()), values);
            }
        });
        if (negated.isEmpty()) {
            return List.of();
        }
        try {
            return whitelist(negated, dropReasons);
        } catch (InvalidFilterException e) {
            throw new InvalidFilterException(NOT + e.field(), e.reason());
        }
    }

    /**
     * Filters for the given parameters; {@code dropReasons} maps a {@code flow.DropReason} name to its
     * number (throwing {@link InvalidFilterException} for an unknown one).
     */
    public static List<FilterSpec> whitelist(
            Map<String, List<String>> params, java.util.function.ToIntFunction<String> dropReasons) {
        for (String name : params.keySet()) {
            if (REFUSED.contains(name)) {
                throw new InvalidFilterException(
                        name, "not supported by Tendril (its flows carry no data to match it on)");
            }
        }
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

        // As the hubble CLI's filterTracker: pod values as given, then the namespace flags qualify them
        // (or, with no pod on that side, stand for "ns/"); all-namespaces is the empty namespace.
        List<String> namespaces = values(params, "namespace");
        List<String> fromNamespaces = values(params, "from-namespace");
        List<String> toNamespaces = values(params, "to-namespace");
        if (flag(params, "all-namespaces")) {
            namespaces.add("");
        }
        if (flag(params, "from-all-namespaces")) {
            fromNamespaces.add("");
        }
        if (flag(params, "to-all-namespaces")) {
            toNamespaces.add("");
        }
        either(values(params, "pod"), left.sourcePod, right.destinationPod);
        side(values(params, "from-pod"), left.sourcePod, right.sourcePod);
        side(values(params, "to-pod"), left.destinationPod, right.destinationPod);
        if (!toNamespaces.isEmpty()) {
            qualify(left.destinationPod, toNamespaces);
            qualify(right.destinationPod, toNamespaces);
        }
        if (!fromNamespaces.isEmpty()) {
            qualify(left.sourcePod, fromNamespaces);
            qualify(right.sourcePod, fromNamespaces);
        }
        if (!namespaces.isEmpty()) {
            qualify(left.sourcePod, namespaces);
            qualify(right.destinationPod, namespaces);
        }

        either(values(params, "label"), left.sourceLabel, right.destinationLabel);
        either(values(params, "ip"), left.sourceIp, right.destinationIp);
        either(values(params, "port"), left.sourcePort, right.destinationPort);
        either(identities(values(params, "identity"), "identity"), left.sourceIdentity, right.destinationIdentity);
        either(values(params, "fqdn"), left.sourceFqdn, right.destinationFqdn);

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
        either(workloads(params, "workload"), left.sourceWorkload, right.destinationWorkload);
        side(workloads(params, "from-workload"), left.sourceWorkload, right.sourceWorkload);
        side(workloads(params, "to-workload"), left.destinationWorkload, right.destinationWorkload);
        either(values(params, "cluster"), left.sourceCluster, right.destinationCluster);
        side(values(params, "from-cluster"), left.sourceCluster, right.sourceCluster);
        side(values(params, "to-cluster"), left.destinationCluster, right.destinationCluster);
        side(values(params, "node-label"), left.nodeLabels, right.nodeLabels);
        side(values(params, "from-fqdn"), left.sourceFqdn, right.sourceFqdn);
        side(values(params, "to-fqdn"), left.destinationFqdn, right.destinationFqdn);
        side(values(params, "uuid"), left.uuid, right.uuid);
        side(values(params, "type").stream().map(EventTypes::parse).toList(), left.eventType, right.eventType);
        List<Integer> reasons = new ArrayList<>();
        for (String reason : values(params, "drop-reason-desc")) {
            reasons.add(dropReasons.applyAsInt(reason.trim()));
        }
        side(reasons, left.dropReason, right.dropReason);

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
        FilterSpec l = left.build();
        FilterSpec r = right.build();
        if (!l.equals(FilterSpec.EMPTY) || !r.equals(FilterSpec.EMPTY)) {
            filters.add(l);
            if (!r.equals(l)) {
                filters.add(r);
            }
        }
        // Field names in these errors are the parameters', not the proto's.
        try {
            FlowSelection.compile(filters, List.of());
        } catch (InvalidFilterException e) {
            throw new InvalidFilterException(parameterOf(e.field()), e.reason());
        }
        return filters;
    }

    private static String parameterOf(String protoField) {
        String name = protoField.substring(protoField.indexOf('.') + 1);
        return switch (name) {
            case "source_pod", "destination_pod" -> "pod";
            case "source_label", "destination_label" -> "label";
            case "source_ip", "destination_ip" -> "ip";
            case "source_port", "destination_port" -> "port";
            case "node_name" -> "node";
            case "source_fqdn", "destination_fqdn" -> "fqdn";
            case "drop_reason_desc" -> "drop-reason-desc";
            case "event_type" -> "type";
            case "source_workload", "destination_workload" -> "workload";
            case "source_cluster_name", "destination_cluster_name" -> "cluster";
            case "node_labels" -> "node-label";
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

    /** The CLI's namespace modifier on one side: no pod there means the whole namespace. */
    private static void qualify(List<String> pods, List<String> namespaces) {
        if (pods.isEmpty()) {
            pods.add("");
        }
        List<String> out = new ArrayList<>();
        for (String pod : pods) {
            if (pod.contains("/")) {
                out.add(pod);
            } else {
                namespaces.forEach(ns -> out.add(ns + "/" + pod));
            }
        }
        pods.clear();
        pods.addAll(out);
    }

    /** {@code kind/name} or {@code name}, as the CLI's parseWorkload. */
    private static List<Peer.Workload> workloads(Map<String, List<String>> params, String name) {
        List<Peer.Workload> out = new ArrayList<>();
        for (String value : values(params, name)) {
            int slash = value.indexOf('/');
            out.add(
                    slash < 0
                            ? new Peer.Workload("", value)
                            : new Peer.Workload(value.substring(0, slash), value.substring(slash + 1)));
        }
        return out;
    }

    private static boolean flag(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        if (values == null) {
            return false;
        }
        for (String value : values) {
            switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "", "true", "1" -> {
                    return true;
                }
                case "false", "0" -> {}
                default -> throw new InvalidFilterException(name, "'" + value + "' is not true or false");
            }
        }
        return false;
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

    private static <T> void either(List<T> values, List<T> source, List<T> destination) {
        source.addAll(values);
        destination.addAll(values);
    }

    private static <T> void side(List<T> values, List<T> left, List<T> right) {
        left.addAll(values);
        right.addAll(values);
    }
}
