package dev.tendril.testing.netpol;

import static dev.tendril.testing.netpol.NetpolScenarios.ALL;
import static dev.tendril.testing.netpol.NetpolScenarios.is;
import static dev.tendril.testing.netpol.NetpolScenarios.probe;
import static dev.tendril.testing.netpol.NetpolScenarios.tcp;

import dev.tendril.testing.netpol.NetpolScenarios.Scenario;
import java.util.List;

/** Scenarios of {@link ScenarioCatalog} about ports: numbers, protocols, named ports, ranges. */
final class PortScenarios {

    private PortScenarios() {}

    static List<Scenario> all() {
        return List.of(
                new Scenario(
                        "port 81 only",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: port-81, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - ports: [{port: 81}]
                        """,
                        List.of(
                                tcp(80, (f, t) -> !is(t, "x/a")),
                                tcp(81, ALL),
                                probe(81, "UDP", (f, t) -> !is(t, "x/a")))),
                new Scenario(
                        "protocol UDP only",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: udp-80, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: 80, protocol: UDP}]
                        """,
                        List.of(
                                tcp(80, (f, t) -> !t.namespace().equals("x")),
                                probe(80, "UDP", ALL),
                                probe(80, "SCTP", (f, t) -> !t.namespace().equals("x")))),
                new Scenario(
                        "named port resolved per destination pod",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: named, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: web}]
                        """,
                        List.of(
                                tcp(
                                        80,
                                        (f, t) -> !t.namespace().equals("x")
                                                || t.name().equals("a")),
                                tcp(
                                        81,
                                        (f, t) -> !t.namespace().equals("x")
                                                || !t.name().equals("a")))),
                new Scenario(
                        "named port on egress resolved per destination peer",
                        """
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
                        """,
                        List.of(
                                tcp(
                                        80,
                                        (f, t) -> !f.namespace().equals("x")
                                                || t.name().equals("a")),
                                tcp(
                                        81,
                                        (f, t) -> !f.namespace().equals("x")
                                                || !t.name().equals("a")))),
                new Scenario(
                        "named port with a protocol its container port lacks allows nothing",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: named-udp, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: serve-81-tcp, protocol: UDP}]
                        """,
                        List.of(
                                tcp(81, (f, t) -> !t.namespace().equals("x")),
                                probe(81, "UDP", (f, t) -> !t.namespace().equals("x")))),
                new Scenario(
                        "endPort range 81-90",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: range, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: 81, endPort: 90}]
                        """,
                        List.of(
                                tcp(80, (f, t) -> !t.namespace().equals("x")),
                                tcp(81, ALL),
                                tcp(88, ALL),
                                tcp(90, ALL),
                                tcp(91, (f, t) -> !t.namespace().equals("x")))),
                new Scenario(
                        "SCTP port 80 only",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: sctp-80, namespace: z}
                        spec:
                          podSelector: {matchLabels: {pod: b}}
                          ingress:
                          - ports: [{port: 80, protocol: SCTP}]
                        """,
                        List.of(
                                tcp(80, (f, t) -> !is(t, "z/b")),
                                probe(80, "SCTP", ALL),
                                probe(81, "SCTP", (f, t) -> !is(t, "z/b")))),
                new Scenario(
                        "CNP endPort range with protocol ANY",
                        """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: range-any, namespace: x}
                        spec:
                          endpointSelector: {}
                          ingress:
                          - toPorts: [{ports: [{port: "79", endPort: 80}]}]
                        """,
                        List.of(
                                tcp(80, ALL),
                                probe(80, "UDP", ALL),
                                tcp(81, (f, t) -> !t.namespace().equals("x")))));
    }
}
