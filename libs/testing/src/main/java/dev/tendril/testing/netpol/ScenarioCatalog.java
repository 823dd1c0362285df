package dev.tendril.testing.netpol;

import static dev.tendril.testing.netpol.NetpolScenarios.ALL;
import static dev.tendril.testing.netpol.NetpolScenarios.is;
import static dev.tendril.testing.netpol.NetpolScenarios.probe;
import static dev.tendril.testing.netpol.NetpolScenarios.tcp;

import dev.tendril.testing.netpol.NetpolScenarios.Scenario;
import java.util.ArrayList;
import java.util.List;

/** The scenarios of {@link NetpolScenarios}: policy manifests and the truth tables they must give. */
final class ScenarioCatalog {

    private ScenarioCatalog() {}

    static List<Scenario> all() {
        List<Scenario> all = new ArrayList<>(peersAndSelectors());
        all.addAll(PortScenarios.all());
        all.addAll(RuleScenarios.all());
        return List.copyOf(all);
    }

    /** Who may connect: namespaces, pod and namespace selectors, expressions. */
    private static List<Scenario> peersAndSelectors() {
        return List.of(
                new Scenario(
                        "no policy: everything connects",
                        "",
                        List.of(tcp(80, ALL), tcp(81, ALL), probe(80, "UDP", ALL), probe(80, "SCTP", ALL))),
                new Scenario(
                        "default-deny ingress in x (policyTypes Ingress)",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-ingress, namespace: x}
                        spec:
                          podSelector: {}
                          policyTypes: [Ingress]
                        """,
                        List.of(tcp(80, (f, t) -> !t.namespace().equals("x")))),
                new Scenario(
                        "default-deny ingress in x inferred from an empty spec",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-ingress, namespace: x}
                        spec:
                          podSelector: {}
                        """,
                        List.of(
                                tcp(80, (f, t) -> !t.namespace().equals("x")),
                                tcp(81, (f, t) -> !t.namespace().equals("x")))),
                new Scenario(
                        "allow ingress from the same namespace only",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: same-ns, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - podSelector: {}
                        """,
                        List.of(tcp(
                                80,
                                (f, t) -> !t.namespace().equals("x")
                                        || f.namespace().equals("x")))),
                new Scenario(
                        "allow ingress from pod=a of the same namespace",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-a, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - podSelector: {matchLabels: {pod: a}}
                        """,
                        List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || is(f, "x/a")))),
                new Scenario(
                        "allow ingress from namespace y by namespaceSelector",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-y, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {ns: y}}
                        """,
                        List.of(tcp(
                                80,
                                (f, t) -> !t.namespace().equals("x")
                                        || f.namespace().equals("y")))),
                new Scenario("empty namespaceSelector allows every namespace", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: all-ns, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - from:
                            - namespaceSelector: {}
                        """, List.of(tcp(80, ALL))),
                new Scenario(
                        "namespaceSelector on kubernetes.io/metadata.name",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-z, namespace: y}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}
                        """,
                        List.of(tcp(
                                80,
                                (f, t) -> !t.namespace().equals("y")
                                        || f.namespace().equals("z")))),
                new Scenario(
                        "podSelector and namespaceSelector in one peer are ANDed",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: and, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {ns: y}}
                              podSelector: {matchLabels: {pod: b}}
                        """,
                        List.of(tcp(80, (f, t) -> !is(t, "x/a") || is(f, "y/b")))),
                new Scenario(
                        "podSelector and namespaceSelector in two peers are ORed",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: or, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {ns: y}}
                            - podSelector: {matchLabels: {pod: b}}
                        """,
                        List.of(tcp(80, (f, t) -> !is(t, "x/a") || f.namespace().equals("y") || is(f, "x/b")))),
                new Scenario(
                        "matchExpressions NotIn and In",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: exprs, namespace: x}
                        spec:
                          podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, b]}]}
                          ingress:
                          - from:
                            - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}
                              podSelector: {matchExpressions: [{key: pod, operator: Exists}]}
                        """,
                        List.of(tcp(
                                80,
                                (f, t) -> !(is(t, "x/a") || is(t, "x/b"))
                                        || !f.namespace().equals("x")))),
                new Scenario(
                        "matchExpressions DoesNotExist selects no labelled pod",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: dne, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: c}}
                          ingress:
                          - from:
                            - podSelector: {matchExpressions: [{key: pod, operator: DoesNotExist}]}
                        """,
                        List.of(tcp(80, (f, t) -> !is(t, "x/c")))));
    }
}
