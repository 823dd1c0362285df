package dev.tendril.cli.history;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The kinds {@code tendril history} knows: the name the services' {@code /v1/history} takes, the
 * names an operator may type (kubectl's plural and short names, as {@code get} takes them), whether it
 * lives in a namespace, and the services that keep events about it.
 */
public enum HistoryKind {
    POD("Pod", true, List.of("identity", "ipam"), "pod", "pods", "po", "endpoint", "endpoints", "ep"),
    NAMESPACE("Namespace", false, List.of("identity"), "namespace", "namespaces", "ns"),
    IDENTITY("Identity", false, List.of("identity", "policy"), "identity", "identities", "id"),
    NODE("Node", false, List.of("ipam"), "node", "nodes", "no"),
    NETWORK_POLICY(
            "NetworkPolicy",
            true,
            List.of("policy"),
            "networkpolicy",
            "networkpolicies",
            "netpol",
            "networkpolicy.networking.k8s.io"),
    CILIUM_NETWORK_POLICY(
            "CiliumNetworkPolicy",
            true,
            List.of("policy"),
            "ciliumnetworkpolicy",
            "ciliumnetworkpolicies",
            "cnp",
            "ciliumnetworkpolicy.cilium.io");

    private final String apiName;
    private final boolean namespaced;
    private final List<String> services;
    private final List<String> names;

    HistoryKind(String apiName, boolean namespaced, List<String> services, String... names) {
        this.apiName = apiName;
        this.namespaced = namespaced;
        this.services = services;
        this.names = List.of(names);
    }

    /** As the services' {@code kind} parameter and the output name it. */
    public String apiName() {
        return apiName;
    }

    public boolean namespaced() {
        return namespaced;
    }

    /** The stack components to ask, in the order their changes are listed when they share a time. */
    public List<String> services() {
        return services;
    }

    /** The kind an operator typed, in any case. */
    public static Optional<HistoryKind> parse(String typed) {
        String lower = typed.toLowerCase(Locale.ROOT);
        for (HistoryKind kind : values()) {
            if (kind.names.contains(lower)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /** Every kind's first name, for the usage error. */
    public static String known() {
        StringBuilder known = new StringBuilder();
        for (HistoryKind kind : values()) {
            known.append(known.isEmpty() ? "" : ", ").append(kind.names.getFirst());
            if (kind.names.size() > 2) {
                known.append(" (").append(kind.names.get(2)).append(')');
            }
        }
        return known.toString();
    }
}
