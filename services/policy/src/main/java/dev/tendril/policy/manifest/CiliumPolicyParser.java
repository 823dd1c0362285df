package dev.tendril.policy.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.k8s.labels.LabelSelector;
import dev.tendril.net.Cidr;
import dev.tendril.policy.domain.CidrSet;
import dev.tendril.policy.domain.CiliumNetworkPolicy;
import dev.tendril.policy.domain.Entity;
import dev.tendril.policy.domain.PortRule;
import dev.tendril.policy.domain.Protocol;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code spec} of a CiliumNetworkPolicy ({@code cilium.io/v2}), validated as Cilium's CRD does. Features
 * Tendril does not enforce are rejected by name; L7 {@code rules} are accepted and marked.
 */
final class CiliumPolicyParser {

    private final FieldParser f;

    CiliumPolicyParser(FieldParser f) {
        this.f = f;
    }

    CiliumNetworkPolicy parse(String[] meta, JsonNode spec) {
        if (!spec.isObject()) {
            f.error("spec", "required (a single spec; 'specs' is not supported by Tendril yet)");
            return null;
        }
        f.fields(
                spec,
                "spec",
                Set.of(
                        "endpointSelector",
                        "ingress",
                        "egress",
                        "ingressDeny",
                        "egressDeny",
                        "enableDefaultDeny",
                        "description",
                        "labels"),
                Set.of("nodeSelector"));
        if (!spec.hasNonNull("endpointSelector")) {
            f.error("spec.endpointSelector", "required (an empty selector {} selects every endpoint of the namespace)");
        }
        LabelSelector subject = f.selector(spec.path("endpointSelector"), "spec.endpointSelector", true);
        List<CiliumNetworkPolicy.CiliumRule> ingress = cnpRules(spec.path("ingress"), "spec.ingress", "from", false);
        List<CiliumNetworkPolicy.CiliumRule> egress = cnpRules(spec.path("egress"), "spec.egress", "to", false);
        List<CiliumNetworkPolicy.CiliumRule> ingressDeny =
                cnpRules(spec.path("ingressDeny"), "spec.ingressDeny", "from", true);
        List<CiliumNetworkPolicy.CiliumRule> egressDeny =
                cnpRules(spec.path("egressDeny"), "spec.egressDeny", "to", true);
        Set<Direction> on = EnumSet.noneOf(Direction.class);
        Set<Direction> off = EnumSet.noneOf(Direction.class);
        JsonNode dd = spec.path("enableDefaultDeny");
        if (!dd.isMissingNode()) {
            f.fields(dd, "spec.enableDefaultDeny", Set.of("ingress", "egress"), Set.of());
            for (Direction d : Direction.values()) {
                String field = d == Direction.INGRESS ? "ingress" : "egress";
                JsonNode v = dd.path(field);
                if (v.isMissingNode()) {
                    continue;
                }
                if (!v.isBoolean()) {
                    f.error("spec.enableDefaultDeny." + field, "must be a boolean");
                } else {
                    (v.asBoolean() ? on : off).add(d);
                }
            }
        }
        return new CiliumNetworkPolicy(meta[0], meta[1], subject, ingress, egress, ingressDeny, egressDeny, on, off);
    }

    private List<CiliumNetworkPolicy.CiliumRule> cnpRules(JsonNode list, String path, String dir, boolean deny) {
        List<CiliumNetworkPolicy.CiliumRule> out = new ArrayList<>();
        f.each(list, path, (rule, p) -> {
            String endpointsField = dir + "Endpoints";
            String entitiesField = dir + "Entities";
            String cidrField = dir + "CIDR";
            String cidrSetField = dir + "CIDRSet";
            Set<String> unsupported = dir.equals("from")
                    ? Set.of("fromRequires", "fromGroups", "fromNodes", "icmps", "authentication")
                    : Set.of("toRequires", "toGroups", "toNodes", "toFQDNs", "toServices", "icmps", "authentication");
            f.fields(rule, p, Set.of(endpointsField, entitiesField, cidrField, cidrSetField, "toPorts"), unsupported);
            List<LabelSelector> endpoints = new ArrayList<>();
            f.each(
                    rule.path(endpointsField),
                    p + "." + endpointsField,
                    (n, q) -> endpoints.add(f.selector(n, q, true)));
            List<Entity> entities = new ArrayList<>();
            f.each(rule.path(entitiesField), p + "." + entitiesField, (n, q) -> {
                var e = Entity.parse(n.asText());
                if (e.isEmpty() || !n.isTextual()) {
                    f.error(
                            q,
                            "unknown entity '" + n.asText() + "'; one of all, world, cluster, host, remote-node, "
                                    + "kube-apiserver, health, init, ingress, unmanaged, none");
                } else {
                    entities.add(e.get());
                }
            });
            List<CidrSet> cidrs = new ArrayList<>();
            f.each(rule.path(cidrField), p + "." + cidrField, (n, q) -> {
                Cidr c = f.cidr(n, q);
                if (c != null) {
                    cidrs.add(new CidrSet(c, List.of()));
                }
            });
            f.each(rule.path(cidrSetField), p + "." + cidrSetField, (n, q) -> {
                CidrSet s = f.cidrSet(n, q);
                if (s != null) {
                    cidrs.add(s);
                }
            });
            List<PortRule> ports = new ArrayList<>();
            f.each(rule.path("toPorts"), p + ".toPorts", (tp, q) -> {
                f.fields(
                        tp,
                        q,
                        Set.of("ports", "rules"),
                        Set.of("terminatingTLS", "originatingTLS", "serverNames", "listener"));
                boolean l7 = tp.has("rules") && !tp.get("rules").isEmpty();
                if (l7 && deny) {
                    f.error(q + ".rules", "L7 rules are not allowed in deny rules");
                }
                if (!tp.has("ports") || tp.get("ports").isEmpty()) {
                    ports.add(new PortRule(Protocol.ANY, new PortRule.Port.Any(), 0, l7));
                }
                f.each(tp.path("ports"), q + ".ports", (pn, pq) -> {
                    PortRule r = f.port(pn, pq, Protocol.ANY, true, l7);
                    if (r != null) {
                        ports.add(r);
                    }
                });
            });
            out.add(new CiliumNetworkPolicy.CiliumRule(endpoints, entities, cidrs, ports));
        });
        return out;
    }
}
