package dev.tendril.policy.domain;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSelector;
import dev.tendril.k8s.labels.LabelSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A namespaced Cilium {@code cilium.io/v2} CiliumNetworkPolicy with a single {@code spec}.
 *
 * @param endpointSelector keys source-qualified ({@code any} when the manifest gives no source)
 * @param defaultDenyOn directions with {@code enableDefaultDeny.<dir>: true}
 * @param defaultDenyOff directions with {@code enableDefaultDeny.<dir>: false}
 */
public record CiliumNetworkPolicy(
        String namespace,
        String name,
        LabelSelector endpointSelector,
        List<CiliumRule> ingress,
        List<CiliumRule> egress,
        List<CiliumRule> ingressDeny,
        List<CiliumRule> egressDeny,
        Set<Direction> defaultDenyOn,
        Set<Direction> defaultDenyOff)
        implements Policy {

    public static final String KIND = "CiliumNetworkPolicy";

    /**
     * One rule; the peer lists are ORed. A rule with no peer at all applies to every peer when it has
     * ports (an L4-only rule) and to none otherwise ({@code ingress: [{}]} only enables default deny).
     */
    public record CiliumRule(
            List<LabelSelector> endpoints, List<Entity> entities, List<CidrSet> cidrs, List<PortRule> ports) {
        public CiliumRule {
            endpoints = List.copyOf(endpoints);
            entities = List.copyOf(entities);
            cidrs = List.copyOf(cidrs);
            ports = List.copyOf(ports);
        }

        boolean hasPeers() {
            return !endpoints.isEmpty() || !entities.isEmpty() || !cidrs.isEmpty();
        }
    }

    public CiliumNetworkPolicy {
        ingress = List.copyOf(ingress);
        egress = List.copyOf(egress);
        ingressDeny = List.copyOf(ingressDeny);
        egressDeny = List.copyOf(egressDeny);
        defaultDenyOn = defaultDenyOn.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(defaultDenyOn));
        defaultDenyOff = defaultDenyOff.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(defaultDenyOff));
    }

    @Override
    public PolicyRef ref() {
        return new PolicyRef(KIND, namespace, name);
    }

    @Override
    public LabelSelector subject() {
        return endpointSelector.and(List.of(Policy.namespaceIs(namespace)));
    }

    /** Cilium's {@code enableDefaultDeny}: by default, each direction that has allow or deny rules. */
    @Override
    public Set<Direction> enforcedDirections() {
        Set<Direction> out = EnumSet.noneOf(Direction.class);
        if (!ingress.isEmpty() || !ingressDeny.isEmpty()) {
            out.add(Direction.INGRESS);
        }
        if (!egress.isEmpty() || !egressDeny.isEmpty()) {
            out.add(Direction.EGRESS);
        }
        out.addAll(defaultDenyOn);
        out.removeAll(defaultDenyOff);
        return out.isEmpty() ? Set.of() : Set.copyOf(out);
    }

    @Override
    public List<Rule> rules() {
        List<Rule> out = new ArrayList<>();
        ingress.forEach(r -> out.add(rule(Direction.INGRESS, false, r)));
        egress.forEach(r -> out.add(rule(Direction.EGRESS, false, r)));
        ingressDeny.forEach(r -> out.add(rule(Direction.INGRESS, true, r)));
        egressDeny.forEach(r -> out.add(rule(Direction.EGRESS, true, r)));
        return out;
    }

    private Rule rule(Direction direction, boolean deny, CiliumRule r) {
        if (!r.hasPeers()) {
            Rule.Peers peers = r.ports().isEmpty() ? new Rule.Peers.Selected(List.of()) : new Rule.Peers.All();
            return new Rule(direction, deny, peers, r.ports());
        }
        if (r.entities().contains(Entity.ALL)) {
            return new Rule(direction, deny, new Rule.Peers.All(), r.ports());
        }
        List<Peer> peers = new ArrayList<>();
        for (LabelSelector s : r.endpoints()) {
            // As Cilium's getEndpointSelector: a peer selector that names no namespace, no namespace label
            // and no reserved label stays in the policy's namespace.
            boolean scoped = s.hasKey(LabelSource.K8S, Label.NAMESPACE_KEY)
                    || s.hasKeyPrefix(Label.NAMESPACE_LABELS_PREFIX)
                    || s.selectsReserved();
            peers.add(new Peer.Endpoints(scoped ? s : s.and(List.of(Policy.namespaceIs(namespace)))));
        }
        r.entities().forEach(e -> peers.add(new Peer.Entities(e)));
        r.cidrs().forEach(c -> peers.add(new Peer.Cidrs(c)));
        return new Rule(direction, deny, new Rule.Peers.Selected(peers), r.ports());
    }
}
