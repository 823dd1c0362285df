package dev.tendril.testing.netpol;

import static dev.tendril.testing.netpol.NetpolScenarios.ALL;
import static dev.tendril.testing.netpol.NetpolScenarios.is;
import static dev.tendril.testing.netpol.NetpolScenarios.probe;
import static dev.tendril.testing.netpol.NetpolScenarios.tcp;

import dev.tendril.testing.netpol.NetpolScenarios.Scenario;
import java.util.List;

/** The scenarios of {@link NetpolScenarios}: policy manifests and the truth tables they must give. */
final class ScenarioCatalog {

    private ScenarioCatalog() {
    }

    static List<Scenario> all() {
        return List.of(
                new Scenario("no policy: everything connects", "", List.of(tcp(80, ALL), tcp(81, ALL),
                        probe(80, "UDP", ALL), probe(80, "SCTP", ALL))),

                new Scenario("default-deny ingress in x (policyTypes Ingress)", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-ingress, namespace: x}
                        spec:
                          podSelector: {}
                          policyTypes: [Ingress]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")))),

                new Scenario("default-deny ingress in x inferred from an empty spec", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-ingress, namespace: x}
                        spec:
                          podSelector: {}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")),
                        tcp(81, (f, t) -> !t.namespace().equals("x")))),

                new Scenario("allow ingress from the same namespace only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: same-ns, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - podSelector: {}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("x")))),

                new Scenario("allow ingress from pod=a of the same namespace", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-a, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - podSelector: {matchLabels: {pod: a}}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || is(f, "x/a")))),

                new Scenario("allow ingress from namespace y by namespaceSelector", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-y, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {ns: y}}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("y")))),

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

                new Scenario("namespaceSelector on kubernetes.io/metadata.name", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-z, namespace: y}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("y") || f.namespace().equals("z")))),

                new Scenario("podSelector and namespaceSelector in one peer are ANDed", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: and, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {ns: y}}
                              podSelector: {matchLabels: {pod: b}}
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a") || is(f, "y/b")))),

                new Scenario("podSelector and namespaceSelector in two peers are ORed", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: or, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {ns: y}}
                            - podSelector: {matchLabels: {pod: b}}
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a") || f.namespace().equals("y") || is(f, "x/b")))),

                new Scenario("matchExpressions NotIn and In", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: exprs, namespace: x}
                        spec:
                          podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, b]}]}
                          ingress:
                          - from:
                            - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}
                              podSelector: {matchExpressions: [{key: pod, operator: Exists}]}
                        """, List.of(tcp(80, (f, t) -> !(is(t, "x/a") || is(t, "x/b")) || !f.namespace().equals("x")))),

                new Scenario("matchExpressions DoesNotExist selects no labelled pod", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: dne, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: c}}
                          ingress:
                          - from:
                            - podSelector: {matchExpressions: [{key: pod, operator: DoesNotExist}]}
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/c")))),

                new Scenario("port 81 only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: port-81, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - ports: [{port: 81}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a")), tcp(81, ALL),
                        probe(81, "UDP", (f, t) -> !is(t, "x/a")))),

                new Scenario("protocol UDP only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: udp-80, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: 80, protocol: UDP}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")),
                        probe(80, "UDP", ALL), probe(80, "SCTP", (f, t) -> !t.namespace().equals("x")))),

                new Scenario("named port resolved per destination pod", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: named, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: web}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || t.name().equals("a")),
                        tcp(81, (f, t) -> !t.namespace().equals("x") || !t.name().equals("a")))),

                new Scenario("named port on egress resolved per destination peer", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: named-egress, namespace: x}
                        spec:
                          podSelector: {}
                          policyTypes: [Egress]
                          egress:
                          - to:
                            - namespaceSelector: {}
                            ports: [{port: web}]
                        """, List.of(tcp(80, (f, t) -> !f.namespace().equals("x") || t.name().equals("a")),
                        tcp(81, (f, t) -> !f.namespace().equals("x") || !t.name().equals("a")))),

                new Scenario("named port with a protocol its container port lacks allows nothing", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: named-udp, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: serve-81-tcp, protocol: UDP}]
                        """, List.of(tcp(81, (f, t) -> !t.namespace().equals("x")),
                        probe(81, "UDP", (f, t) -> !t.namespace().equals("x")))),

                new Scenario("endPort range 81-90", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: range, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: 81, endPort: 90}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")), tcp(81, ALL), tcp(88, ALL),
                        tcp(90, ALL), tcp(91, (f, t) -> !t.namespace().equals("x")))),

                new Scenario("SCTP port 80 only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: sctp-80, namespace: z}
                        spec:
                          podSelector: {matchLabels: {pod: b}}
                          ingress:
                          - ports: [{port: 80, protocol: SCTP}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "z/b")), probe(80, "SCTP", ALL),
                        probe(81, "SCTP", (f, t) -> !is(t, "z/b")))),

                new Scenario("CNP endPort range with protocol ANY", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: range-any, namespace: x}
                        spec:
                          endpointSelector: {}
                          ingress:
                          - toPorts: [{ports: [{port: "79", endPort: 80}]}]
                        """, List.of(tcp(80, ALL), probe(80, "UDP", ALL),
                        tcp(81, (f, t) -> !t.namespace().equals("x")))),

                new Scenario("egress deny-all in x", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-egress, namespace: x}
                        spec:
                          podSelector: {}
                          policyTypes: [Egress]
                        """, List.of(tcp(80, (f, t) -> !f.namespace().equals("x")))),

                new Scenario("egress rules without policyTypes also enforce ingress", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: egress-to-y, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          egress:
                          - to:
                            - namespaceSelector: {matchLabels: {ns: y}}
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a") && (!is(f, "x/a") || t.namespace().equals("y"))))),

                new Scenario("policyTypes Egress ignores listed ingress rules and leaves ingress open", """
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
                        """, List.of(tcp(80, ALL))),

                new Scenario("union of two policies", """
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
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || !f.namespace().equals("x")),
                        tcp(81, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("y")))),

                new Scenario("CNP ingressDeny beats an allow-all", """
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
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || !f.namespace().equals("y")))),

                new Scenario("CNP ingressDeny of one pod beats the allow of its namespace", """
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
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")
                        || (f.namespace().equals("y") && !is(f, "y/a"))))),

                new Scenario("CNP ingressDeny on port 81 beats an NP allow of the namespace", """
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
                        """, List.of(tcp(80, ALL), tcp(81, (f, t) -> !t.namespace().equals("x")))),

                new Scenario("CNP fromEndpoints {} means the policy's namespace", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: same-ns, namespace: y}
                        spec:
                          endpointSelector: {matchLabels: {pod: b}}
                          ingress:
                          - fromEndpoints: [{}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "y/b") || f.namespace().equals("y")))),

                new Scenario("CNP egress toEntities cluster reaches every pod", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: cluster, namespace: z}
                        spec:
                          endpointSelector: {}
                          egress:
                          - toEntities: [cluster]
                        """, List.of(tcp(80, ALL))),

                new Scenario("CNP egress toPorts ANY 81 to namespace y", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: to-y-81, namespace: z}
                        spec:
                          endpointSelector: {matchLabels: {pod: c}}
                          egress:
                          - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: y}}]
                            toPorts: [{ports: [{port: "81", protocol: ANY}]}]
                        """, List.of(tcp(80, (f, t) -> !is(f, "z/c")),
                        tcp(81, (f, t) -> !is(f, "z/c") || t.namespace().equals("y")),
                        probe(81, "UDP", (f, t) -> !is(f, "z/c") || t.namespace().equals("y")))),

                new Scenario("CNP empty ingress rule only enables default deny", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: lockdown, namespace: x}
                        spec:
                          endpointSelector: {matchLabels: {pod: a}}
                          ingress: [{}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a")))),

                new Scenario("CNP enableDefaultDeny false keeps other traffic open while denying", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: soft-deny, namespace: x}
                        spec:
                          endpointSelector: {}
                          enableDefaultDeny: {ingress: false}
                          ingressDeny:
                          - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: z}}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || !f.namespace().equals("z")))));
    }
}
