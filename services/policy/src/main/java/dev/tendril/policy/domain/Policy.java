package dev.tendril.policy.domain;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSelector;
import dev.tendril.k8s.labels.LabelSource;
import java.util.List;
import java.util.Set;

/** A policy as an operator wrote it; every kind normalises to a subject, enforced directions and rules. */
public sealed interface Policy permits NetworkPolicy, CiliumNetworkPolicy {

    PolicyRef ref();

    /** The identities the policy applies to, namespace included. */
    LabelSelector subject();

    /** The directions in which a selected endpoint becomes default-deny because of this policy. */
    Set<Direction> enforcedDirections();

    /** The allow and deny rules, normalised. */
    List<Rule> rules();

    /** {@code k8s:io.kubernetes.pod.namespace=<namespace>}. */
    static LabelSelector.Requirement namespaceIs(String namespace) {
        return LabelSelector.Requirement.equal(LabelSource.K8S, Label.NAMESPACE_KEY, namespace);
    }
}
