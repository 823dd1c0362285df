package dev.tendril.flows.domain;

import dev.tendril.k8s.labels.LabelSelector;
import dev.tendril.net.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which flows a request wants: any whitelist filter matches (all flows when there is none) and no
 * blacklist filter matches. Compiling validates every field once, so matching never fails.
 */
public final class FlowSelection {

    public static final FlowSelection ALL = new FlowSelection(List.of(), List.of());

    private final List<Predicate<FlowView>> whitelist;
    private final List<Predicate<FlowView>> blacklist;

    private FlowSelection(List<Predicate<FlowView>> whitelist, List<Predicate<FlowView>> blacklist) {
        this.whitelist = whitelist;
        this.blacklist = blacklist;
    }

    public static FlowSelection compile(List<FilterSpec> whitelist, List<FilterSpec> blacklist) {
        List<Predicate<FlowView>> white = new ArrayList<>();
        for (int i = 0; i < whitelist.size(); i++) {
            white.add(compile(whitelist.get(i), "whitelist[" + i + "]."));
        }
        List<Predicate<FlowView>> black = new ArrayList<>();
        for (int i = 0; i < blacklist.size(); i++) {
            black.add(compile(blacklist.get(i), "blacklist[" + i + "]."));
        }
        return new FlowSelection(List.copyOf(white), List.copyOf(black));
    }

    public boolean matches(FlowView flow) {
        if (!whitelist.isEmpty()) {
            boolean any = false;
            for (Predicate<FlowView> filter : whitelist) {
                if (filter.test(flow)) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                return false;
            }
        }
        for (Predicate<FlowView> filter : blacklist) {
            if (filter.test(flow)) {
                return false;
            }
        }
        return true;
    }

    /** One filter as the AND of its fields, each the OR of its values. */
    static Predicate<FlowView> compile(FilterSpec spec, String prefix) {
        if (!spec.refused().isEmpty()) {
            throw new InvalidFilterException(
                    prefix + spec.refused().getFirst(), "not supported by Tendril (it has no data to match it on)");
        }
        List<Predicate<FlowView>> all = new ArrayList<>();
        if (!spec.sourcePod().isEmpty()) {
            List<PodMatcher> pods = spec.sourcePod().stream()
                    .map(p -> PodMatcher.parse(p, prefix + "source_pod"))
                    .toList();
            all.add(f -> PodMatcher.any(pods, f.source()));
        }
        if (!spec.destinationPod().isEmpty()) {
            List<PodMatcher> pods = spec.destinationPod().stream()
                    .map(p -> PodMatcher.parse(p, prefix + "destination_pod"))
                    .toList();
            all.add(f -> PodMatcher.any(pods, f.destination()));
        }
        if (!spec.sourceLabel().isEmpty()) {
            List<LabelSelector> selectors = spec.sourceLabel().stream()
                    .map(s -> labelSelector(s, prefix + "source_label"))
                    .toList();
            all.add(f -> anyLabel(selectors, f.source()));
        }
        if (!spec.destinationLabel().isEmpty()) {
            List<LabelSelector> selectors = spec.destinationLabel().stream()
                    .map(s -> labelSelector(s, prefix + "destination_label"))
                    .toList();
            all.add(f -> anyLabel(selectors, f.destination()));
        }
        if (!spec.sourceIp().isEmpty()) {
            List<IpMatcher> ips = spec.sourceIp().stream()
                    .map(s -> IpMatcher.parse(s, prefix + "source_ip"))
                    .toList();
            all.add(f -> anyIp(ips, f.sourceIp()));
        }
        if (!spec.destinationIp().isEmpty()) {
            List<IpMatcher> ips = spec.destinationIp().stream()
                    .map(s -> IpMatcher.parse(s, prefix + "destination_ip"))
                    .toList();
            all.add(f -> anyIp(ips, f.destinationIp()));
        }
        if (!spec.sourceIdentity().isEmpty()) {
            int[] ids =
                    spec.sourceIdentity().stream().mapToInt(Integer::intValue).toArray();
            all.add(f -> contains(ids, f.source().identity()));
        }
        if (!spec.destinationIdentity().isEmpty()) {
            int[] ids = spec.destinationIdentity().stream()
                    .mapToInt(Integer::intValue)
                    .toArray();
            all.add(f -> contains(ids, f.destination().identity()));
        }
        if (!spec.verdict().isEmpty()) {
            spec.verdict().forEach(v -> Codes.checkKnown(Codes.VERDICTS, v, prefix + "verdict", "verdict"));
            int[] verdicts = spec.verdict().stream().mapToInt(Integer::intValue).toArray();
            all.add(f -> contains(verdicts, f.verdict()));
        }
        if (!spec.protocol().isEmpty()) {
            List<Codes.Protocol> protocols = spec.protocol().stream()
                    .map(p -> Codes.protocol(p, prefix + "protocol"))
                    .toList();
            all.add(f -> {
                for (Codes.Protocol protocol : protocols) {
                    if (protocol.matches(f.protocol(), f.details().l7())) {
                        return true;
                    }
                }
                return false;
            });
        }
        if (!spec.sourcePort().isEmpty()) {
            int[] ports = spec.sourcePort().stream()
                    .mapToInt(p -> port(p, prefix + "source_port"))
                    .toArray();
            all.add(f -> f.protocol() != 3 && f.protocol() != 4 && contains(ports, f.sourcePort()));
        }
        if (!spec.destinationPort().isEmpty()) {
            int[] ports = spec.destinationPort().stream()
                    .mapToInt(p -> port(p, prefix + "destination_port"))
                    .toArray();
            all.add(f -> f.protocol() != 3 && f.protocol() != 4 && contains(ports, f.destinationPort()));
        }
        if (!spec.trafficDirection().isEmpty()) {
            spec.trafficDirection()
                    .forEach(v ->
                            Codes.checkKnown(Codes.DIRECTIONS, v, prefix + "traffic_direction", "traffic direction"));
            int[] directions =
                    spec.trafficDirection().stream().mapToInt(Integer::intValue).toArray();
            all.add(f -> contains(directions, f.direction()));
        }
        if (!spec.nodeName().isEmpty()) {
            List<Pattern> patterns = spec.nodeName().stream()
                    .map(n -> glob(n, prefix + "node_name"))
                    .toList();
            all.add(f -> patterns.stream().anyMatch(p -> p.matcher(f.node()).matches()));
        }
        if (!spec.tcpFlags().isEmpty()) {
            int[] masks = spec.tcpFlags().stream().mapToInt(Integer::intValue).toArray();
            all.add(f -> {
                if (f.protocol() != 1) {
                    return false;
                }
                for (int mask : masks) {
                    if ((f.tcpFlags() & mask) == mask) {
                        return true;
                    }
                }
                return false;
            });
        }
        if (!spec.reply().isEmpty()) {
            List<Boolean> replies = spec.reply();
            all.add(f -> f.reply() != 0 && replies.contains(f.reply() == 2));
        }
        if (!spec.ipVersion().isEmpty()) {
            spec.ipVersion().forEach(v -> {
                if (v < 0 || v > 2) {
                    throw new InvalidFilterException(prefix + "ip_version", "unknown IP version " + v);
                }
            });
            int[] versions =
                    spec.ipVersion().stream().mapToInt(Integer::intValue).toArray();
            all.add(f -> contains(versions, f.ipVersion()));
        }
        if (!spec.eventType().isEmpty()) {
            List<FilterSpec.EventType> types = spec.eventType();
            all.add(f -> {
                FlowDetails d = f.details();
                for (FilterSpec.EventType t : types) {
                    if (t.type() == d.eventType() && (!t.matchSubType() || t.subType() == d.eventSubType())) {
                        return true;
                    }
                }
                return false;
            });
        }
        if (!spec.dropReason().isEmpty()) {
            spec.dropReason().forEach(r -> {
                if (r < 0) {
                    throw new InvalidFilterException(prefix + "drop_reason_desc", "unknown drop reason " + r);
                }
            });
            int[] reasons =
                    spec.dropReason().stream().mapToInt(Integer::intValue).toArray();
            all.add(f -> contains(reasons, f.details().dropReason()));
        }
        if (!spec.uuid().isEmpty()) {
            List<String> uuids = spec.uuid().stream().map(String::trim).toList();
            all.add(f -> uuids.contains(f.details().uuid()));
        }
        if (!spec.sourceFqdn().isEmpty()) {
            List<Pattern> names = spec.sourceFqdn().stream()
                    .map(n -> fqdn(n, prefix + "source_fqdn"))
                    .toList();
            all.add(f -> anyName(names, f.details().sourceNames()));
        }
        if (!spec.destinationFqdn().isEmpty()) {
            List<Pattern> names = spec.destinationFqdn().stream()
                    .map(n -> fqdn(n, prefix + "destination_fqdn"))
                    .toList();
            all.add(f -> anyName(names, f.details().destinationNames()));
        }
        if (!spec.sourceWorkload().isEmpty()) {
            List<Peer.Workload> workloads = spec.sourceWorkload();
            all.add(f -> anyWorkload(workloads, f.source()));
        }
        if (!spec.destinationWorkload().isEmpty()) {
            List<Peer.Workload> workloads = spec.destinationWorkload();
            all.add(f -> anyWorkload(workloads, f.destination()));
        }
        if (!spec.sourceCluster().isEmpty()) {
            List<Pattern> clusters = spec.sourceCluster().stream()
                    .map(n -> glob(n, prefix + "source_cluster_name"))
                    .toList();
            all.add(f -> clusters.stream()
                    .anyMatch(p -> p.matcher(f.source().cluster()).matches()));
        }
        if (!spec.destinationCluster().isEmpty()) {
            List<Pattern> clusters = spec.destinationCluster().stream()
                    .map(n -> glob(n, prefix + "destination_cluster_name"))
                    .toList();
            all.add(f -> clusters.stream()
                    .anyMatch(p -> p.matcher(f.destination().cluster()).matches()));
        }
        if (!spec.nodeLabels().isEmpty()) {
            List<LabelSelector> selectors = spec.nodeLabels().stream()
                    .map(s -> labelSelector(s, prefix + "node_labels"))
                    .toList();
            all.add(f -> {
                List<dev.tendril.k8s.labels.Label> labels = f.details().nodeLabels();
                for (LabelSelector selector : selectors) {
                    if (selector.matches(
                            (source, key) -> dev.tendril.k8s.labels.LabelLookup.find(labels, source, key))) {
                        return true;
                    }
                }
                return false;
            });
        }
        Predicate<FlowView>[] checks = all.toArray(Predicate[]::new);
        return f -> {
            for (Predicate<FlowView> check : checks) {
                if (!check.test(f)) {
                    return false;
                }
            }
            return true;
        };
    }

    private static boolean anyLabel(List<LabelSelector> selectors, Peer peer) {
        for (LabelSelector selector : selectors) {
            if (selector.matches(peer)) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyIp(List<IpMatcher> ips, IpAddress address) {
        for (IpMatcher ip : ips) {
            if (ip.matches(address)) {
                return true;
            }
        }
        return false;
    }

    /** Hubble's workload filter: kind and name each match when empty or equal. */
    private static boolean anyWorkload(List<Peer.Workload> filters, Peer peer) {
        for (Peer.Workload workload : peer.workloads()) {
            for (Peer.Workload filter : filters) {
                if ((filter.kind().isEmpty() || filter.kind().equalsIgnoreCase(workload.kind()))
                        && (filter.name().isEmpty() || filter.name().equals(workload.name()))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean anyName(List<Pattern> patterns, List<String> names) {
        for (String name : names) {
            String normal = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
            for (Pattern pattern : patterns) {
                if (pattern.matcher(normal).matches()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * An FQDN pattern as Hubble's: case-insensitive, a trailing dot optional, {@code *} any run of the
     * characters a DNS label holds (so it stays inside one label).
     */
    private static Pattern fqdn(String text, String field) {
        String value = text.trim();
        if (value.endsWith(".")) {
            value = value.substring(0, value.length() - 1);
        }
        if (value.isEmpty() || !value.matches("[-a-zA-Z0-9_.*]+")) {
            throw new InvalidFilterException(field, "'" + text + "' is not an FQDN pattern");
        }
        List<String> parts = new ArrayList<>();
        for (String part : value.split("\\*", -1)) {
            parts.add(part.isEmpty() ? "" : Pattern.quote(part));
        }
        return Pattern.compile(String.join("[-a-zA-Z0-9_]*", parts), Pattern.CASE_INSENSITIVE);
    }

    private static boolean contains(int[] values, int value) {
        for (int v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    /** Hubble's label filter: a Kubernetes selector in its string form ({@code k8s:app=web,tier in (a,b)}). */
    static LabelSelector labelSelector(String text, String field) {
        try {
            return LabelSelector.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidFilterException(field, e.getMessage());
        }
    }

    static int port(String text, String field) {
        try {
            int port = Integer.parseInt(text.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidFilterException(field, "'" + text + "' is not a port (0..65535)");
    }

    private static Pattern glob(String text, String field) {
        if (text.isBlank()) {
            throw new InvalidFilterException(field, "empty pattern");
        }
        List<String> parts = new ArrayList<>();
        for (String part : text.trim().split("\\*", -1)) {
            parts.add(part.isEmpty() ? "" : Pattern.quote(part));
        }
        return Pattern.compile(String.join(".*", parts), Pattern.CASE_INSENSITIVE);
    }
}
