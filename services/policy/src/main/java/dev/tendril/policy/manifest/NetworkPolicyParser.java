package dev.tendril.policy.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.k8s.labels.LabelSelector;
import dev.tendril.policy.domain.CidrSet;
import dev.tendril.policy.domain.NetworkPolicy;
import dev.tendril.policy.domain.PortRule;
import dev.tendril.policy.domain.Protocol;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The {@code spec} of a NetworkPolicy ({@code networking.k8s.io/v1}), validated as the API server does. */
final class NetworkPolicyParser {

    private final FieldParser f;

    NetworkPolicyParser(FieldParser f) {
        this.f = f;
    }

    NetworkPolicy parse(String[] meta, JsonNode spec) {
        if (!spec.isObject()) {
            f.error("spec", "required");
            return null;
        }
        f.fields(spec, "spec", Set.of("podSelector", "ingress", "egress", "policyTypes"), Set.of());
        if (!spec.hasNonNull("podSelector")) {
            f.error("spec.podSelector", "required (an empty selector {} selects every pod of the namespace)");
        }
        LabelSelector podSelector = f.selector(spec.path("podSelector"), "spec.podSelector", false);
        List<NetworkPolicy.IngressOrEgress> ingress = new ArrayList<>();
        List<NetworkPolicy.IngressOrEgress> egress = new ArrayList<>();
        f.each(spec.path("ingress"), "spec.ingress", (n, p) -> ingress.add(npRule(n, p, "from")));
        f.each(spec.path("egress"), "spec.egress", (n, p) -> egress.add(npRule(n, p, "to")));
        Set<Direction> types = EnumSet.noneOf(Direction.class);
        f.each(spec.path("policyTypes"), "spec.policyTypes", (n, p) -> {
            Direction d = switch (n.asText()) {
                case "Ingress" -> Direction.INGRESS;
                case "Egress" -> Direction.EGRESS;
                default -> null;
            };
            if (d == null || !n.isTextual()) {
                f.error(p, "must be Ingress or Egress, got '" + n.asText() + "'");
            } else if (!types.add(d)) {
                f.error(p, "duplicate " + n.asText());
            }
        });
        return new NetworkPolicy(meta[0], meta[1], podSelector, ingress, egress, types);
    }

    private NetworkPolicy.IngressOrEgress npRule(JsonNode rule, String path, String peersField) {
        f.fields(rule, path, Set.of(peersField, "ports"), Set.of());
        List<NetworkPolicy.NetworkPolicyPeer> peers = new ArrayList<>();
        f.each(rule.path(peersField), path + "." + peersField, (n, p) -> {
            var peer = npPeer(n, p);
            if (peer != null) {
                peers.add(peer);
            }
        });
        List<PortRule> ports = new ArrayList<>();
        f.each(rule.path("ports"), path + ".ports", (n, p) -> {
            var port = f.port(n, p, Protocol.TCP, false, false);
            if (port != null) {
                ports.add(port);
            }
        });
        return new NetworkPolicy.IngressOrEgress(peers, ports);
    }

    private NetworkPolicy.NetworkPolicyPeer npPeer(JsonNode peer, String path) {
        f.fields(peer, path, Set.of("podSelector", "namespaceSelector", "ipBlock"), Set.of());
        boolean pods = peer.has("podSelector");
        boolean namespaces = peer.has("namespaceSelector");
        if (peer.has("ipBlock")) {
            if (pods || namespaces) {
                f.error(path, "may not specify ipBlock together with podSelector or namespaceSelector");
                return null;
            }
            CidrSet set = f.cidrSet(peer.get("ipBlock"), path + ".ipBlock");
            return set == null ? null : new NetworkPolicy.NetworkPolicyPeer.IpBlock(set);
        }
        LabelSelector ps = pods ? f.selector(peer.get("podSelector"), path + ".podSelector", false) : null;
        LabelSelector ns =
                namespaces ? f.selector(peer.get("namespaceSelector"), path + ".namespaceSelector", false) : null;
        if (ps != null && ns != null) {
            return new NetworkPolicy.NetworkPolicyPeer.PodsInNamespaces(ps, ns);
        }
        if (ps != null) {
            return new NetworkPolicy.NetworkPolicyPeer.Pods(ps);
        }
        if (ns != null) {
            return new NetworkPolicy.NetworkPolicyPeer.Namespaces(ns);
        }
        f.error(path, "must specify a peer: podSelector, namespaceSelector or ipBlock");
        return null;
    }
}
