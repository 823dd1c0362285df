package dev.tendril.testing.netpol;

import static dev.tendril.testing.netpol.NetpolScenarios.ALL;
import static dev.tendril.testing.netpol.NetpolScenarios.is;
import static dev.tendril.testing.netpol.NetpolScenarios.probe;
import static dev.tendril.testing.netpol.NetpolScenarios.tcp;

import dev.tendril.testing.netpol.NetpolScenarios.Scenario;
import java.util.List;

/** Scenarios of {@link ScenarioCatalog} about directions, several policies together and CiliumNetworkPolicy rules. */
final class RuleScenarios {

    private RuleScenarios() {}

    static List<Scenario> all() {
        return List.of(
                new Scenario(
                        "egress deny-all in x",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-egress, namespace: x}
                        spec:
                          podSelector: {}
                          policyTypes: [Egress]
                        """,
                        List.of(tcp(80, (f, t) -> !f.namespace().equals("x")))),
                new Scenario(
                        "egress rules without policyTypes also enforce ingress",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: egress-to-y, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          egress:
                          - to:
                            - namespaceSelector: {matchLabels: {ns: y}}
                        """,
                        List.of(tcp(
                                80,
                                (f, t) -> !is(t, "x/a")
                                        && (!is(f, "x/a") || t.namespace().equals("y"))))),
                new Scenario(
                        "policyTypes Egress ignores listed ingress rules and leaves ingress open",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: egress-only, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          policyTypes: [Egress]
                          ingress:
                          - from: [{podSelector: {matchLabels: {pod: b}}}]
                          egress:
                          - {}
                        """,
                        List.of(tcp(80, ALL))),
                new Scenario(
                        "union of two policies",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-y, namespace: x}
                        spec:
                          podSelector: {}
                          ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
                        ---
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-z-80, namespace: x}
                        spec:
                          podSelector: {}
                          ingress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}}], ports: [{port: 80}]}]
                        """,
                        List.of(
                                tcp(
                                        80,
                                        (f, t) -> !t.namespace().equals("x")
                                                || !f.namespace().equals("x")),
                                tcp(
                                        81,
                                        (f, t) -> !t.namespace().equals("x")
                                                || f.namespace().equals("y")))),
                new Scenario(
                        "CNP ingressDeny beats an allow-all",
                        """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: deny-y, namespace: x}
                        spec:
                          endpointSelector: {}
                          ingress:
                          - fromEntities: [all]
                          ingressDeny:
                          - fromEndpoints:
                            - matchLabels: {k8s:io.kubernetes.pod.namespace: y}
                        """,
                        List.of(tcp(
                                80,
                                (f, t) -> !t.namespace().equals("x")
                                        || !f.namespace().equals("y")))),
                new Scenario(
                        "CNP ingressDeny of one pod beats the allow of its namespace",
                        """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: y-but-not-y-a, namespace: x}
                        spec:
                          endpointSelector: {}
                          ingress:
                          - fromEndpoints:
                            - matchLabels: {k8s:io.kubernetes.pod.namespace: y}
                          ingressDeny:
                          - fromEndpoints:
                            - matchLabels: {k8s:io.kubernetes.pod.namespace: y, pod: a}
                        """,
                        List.of(tcp(
                                80,
                                (f, t) -> !t.namespace().equals("x")
                                        || (f.namespace().equals("y") && !is(f, "y/a"))))),
                new Scenario(
                        "CNP ingressDeny on port 81 beats an NP allow of the namespace",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: allow-all, namespace: x}
                        spec:
                          podSelector: {}
                          ingress: [{from: [{namespaceSelector: {}}]}]
                        ---
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: deny-81, namespace: x}
                        spec:
                          endpointSelector: {}
                          ingressDeny:
                          - toPorts: [{ports: [{port: "81", protocol: TCP}]}]
                        """,
                        List.of(tcp(80, ALL), tcp(81, (f, t) -> !t.namespace().equals("x")))),
                new Scenario(
                        "CNP fromEndpoints {} means the policy's namespace",
                        """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: same-ns, namespace: y}
                        spec:
                          endpointSelector: {matchLabels: {pod: b}}
                          ingress:
                          - fromEndpoints: [{}]
                        """,
                        List.of(tcp(80, (f, t) -> !is(t, "y/b") || f.namespace().equals("y")))),
                new Scenario("CNP egress toEntities cluster reaches every pod", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: cluster, namespace: z}
                        spec:
                          endpointSelector: {}
                          egress:
                          - toEntities: [cluster]
                        """, List.of(tcp(80, ALL))),
                new Scenario(
                        "CNP egress toPorts ANY 81 to namespace y",
                        """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: to-y-81, namespace: z}
                        spec:
                          endpointSelector: {matchLabels: {pod: c}}
                          egress:
                          - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: y}}]
                            toPorts: [{ports: [{port: "81", protocol: ANY}]}]
                        """,
                        List.of(
                                tcp(80, (f, t) -> !is(f, "z/c")),
                                tcp(81, (f, t) -> !is(f, "z/c") || t.namespace().equals("y")),
                                probe(
                                        81,
                                        "UDP",
                                        (f, t) -> !is(f, "z/c") || t.namespace().equals("y")))),
                new Scenario(
                        "CNP empty ingress rule only enables default deny",
                        """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: lockdown, namespace: x}
                        spec:
                          endpointSelector: {matchLabels: {pod: a}}
                          ingress: [{}]
                        """,
                        List.of(tcp(80, (f, t) -> !is(t, "x/a")))),
                new Scenario(
                        "CNP enableDefaultDeny false keeps other traffic open while denying",
                        """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: soft-deny, namespace: x}
                        spec:
                          endpointSelector: {}
                          enableDefaultDeny: {ingress: false}
                          ingressDeny:
                          - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: z}}]
                        """,
                        List.of(tcp(
                                80,
                                (f, t) -> !t.namespace().equals("x")
                                        || !f.namespace().equals("z")))));
    }
}
