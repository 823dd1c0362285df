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
 * A Kubernetes {@code networking.k8s.io/v1} NetworkPolicy.
 *
 * @param podSelector with keys of source {@code k8s}
 * @param policyTypes as written; empty when the manifest omits {@code policyTypes}
 */
public record NetworkPolicy(
        String namespace,
        String name,
        LabelSelector podSelector,
        List<IngressOrEgress> ingress,
        List<IngressOrEgress> egress,
        Set<Direction> policyTypes)
        implements Policy {

    public static final String KIND = "NetworkPolicy";

    /**
     * One ingress or egress rule.
     *
     * @param peers {@code from}/{@code to}; empty means every peer
     * @param ports empty means every port
     */
    public record IngressOrEgress(List<NetworkPolicyPeer> peers, List<PortRule> ports) {
        public IngressOrEgress {
            peers = List.copyOf(peers);
            ports = List.copyOf(ports);
        }
    }

    /** A {@code from}/{@code to} element. */
    public sealed interface NetworkPolicyPeer {
        /** {@code podSelector} alone: pods of the policy's namespace. */
        record Pods(LabelSelector podSelector) implements NetworkPolicyPeer {}

        /** {@code namespaceSelector} alone: every pod of the selected namespaces. */
        record Namespaces(LabelSelector namespaceSelector) implements NetworkPolicyPeer {}

        /** Both in one element: ANDed. */
        record PodsInNamespaces(LabelSelector podSelector, LabelSelector namespaceSelector)
                implements NetworkPolicyPeer {}

        /** {@code ipBlock}. */
        record IpBlock(CidrSet block) implements NetworkPolicyPeer {}
    }

    public NetworkPolicy {
        ingress = List.copyOf(ingress);
        egress = List.copyOf(egress);
        policyTypes = policyTypes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(policyTypes));
    }

    @Override
    public PolicyRef ref() {
        return new PolicyRef(KIND, namespace, name);
    }

    @Override
    public LabelSelector subject() {
        return podSelector.and(List.of(Policy.namespaceIs(namespace)));
    }

    /**
     * Kubernetes' defaulting: without {@code policyTypes}, Ingress always, and Egress when egress rules
     * exist (a policy with only an {@code egress} section does not open ingress; it closes it).
     */
    @Override
    public Set<Direction> enforcedDirections() {
        if (!policyTypes.isEmpty()) {
            return policyTypes;
        }
        return egress.isEmpty() ? Set.of(Direction.INGRESS) : Set.of(Direction.INGRESS, Direction.EGRESS);
    }

    /** Rules only for enforced directions: Kubernetes ignores ingress rules of an Egress-only policy. */
    @Override
    public List<Rule> rules() {
        List<Rule> out = new ArrayList<>();
        Set<Direction> enforced = enforcedDirections();
        if (enforced.contains(Direction.INGRESS)) {
            ingress.forEach(r -> out.add(rule(Direction.INGRESS, r)));
        }
        if (enforced.contains(Direction.EGRESS)) {
            egress.forEach(r -> out.add(rule(Direction.EGRESS, r)));
        }
        return out;
    }

    private Rule rule(Direction direction, IngressOrEgress r) {
        if (r.peers().isEmpty()) {
            return new Rule(direction, false, new Rule.Peers.All(), r.ports());
        }
        List<Peer> peers = r.peers().stream().map(this::peer).toList();
        return new Rule(direction, false, new Rule.Peers.Selected(peers), r.ports());
    }

    private Peer peer(NetworkPolicyPeer p) {
        var inSomeNamespace = LabelSelector.Requirement.exists(LabelSource.K8S, Label.NAMESPACE_KEY);
        return switch (p) {
            case NetworkPolicyPeer.Pods pods ->
                new Peer.Endpoints(pods.podSelector().and(List.of(Policy.namespaceIs(namespace))));
            case NetworkPolicyPeer.Namespaces ns ->
                new Peer.Endpoints(ns.namespaceSelector().asNamespaceSelector().and(List.of(inSomeNamespace)));
            case NetworkPolicyPeer.PodsInNamespaces both ->
                new Peer.Endpoints(both.podSelector()
                        .and(both.namespaceSelector().asNamespaceSelector().requirements())
                        .and(List.of(inSomeNamespace)));
            case NetworkPolicyPeer.IpBlock block -> new Peer.IpBlock(block.block());
        };
    }
}
