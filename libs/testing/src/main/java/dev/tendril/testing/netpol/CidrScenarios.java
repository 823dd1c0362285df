package dev.tendril.testing.netpol;

import static dev.tendril.testing.netpol.NetpolScenarios.is;
import static dev.tendril.testing.netpol.NetpolScenarios.tcp;

import dev.tendril.testing.netpol.NetpolScenarios.Scenario;
import java.util.List;

/**
 * The CIDR-block scenarios of upstream's netpol e2e suite (test/e2e/network/netpol/network_policy.go), with
 * blocks built from the pods' addresses: a Kubernetes {@code ipBlock} matches pod addresses, Cilium's
 * {@code toCIDR} does not.
 */
final class CidrScenarios {

    private CidrScenarios() {}

    static List<Scenario> all() {
        return List.of(
                new Scenario(
                        "allow egress access to server in CIDR block",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: allow-client-a-via-cidr-egress-rule, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          policyTypes: [Egress]
                          egress:
                          - to:
                            - ipBlock: {cidr: "{{x/b host}}"}
                        """,
                        List.of(tcp(80, (f, t) -> !is(f, "x/a") || is(t, "x/b")))),
                new Scenario(
                        "enforce except clause while egress access to server in CIDR block",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-client-a-via-except-cidr-egress-rule, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          policyTypes: [Egress]
                          egress:
                          - to:
                            - ipBlock: {cidr: "{{x/b wide}}", except: ["{{x/b host}}"]}
                        """,
                        List.of(tcp(80, (f, t) -> !is(f, "x/a") || !is(t, "x/b")))),
                new Scenario(
                        "an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-client-a-via-except-cidr-egress-rule, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          policyTypes: [Egress]
                          egress:
                          - to:
                            - ipBlock: {cidr: "{{x/b wide}}", except: ["{{x/b host}}"]}
                        ---
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: allow-client-a-via-cidr-egress-rule, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          policyTypes: [Egress]
                          egress:
                          - to:
                            - ipBlock: {cidr: "{{x/b host}}"}
                        """,
                        List.of(tcp(80, NetpolScenarios.ALL))),
                new Scenario(
                        "ingress ipBlock of one pod's address admits only that pod",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-y-c-by-address, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - from:
                            - ipBlock: {cidr: "{{y/c host}}"}
                        """,
                        List.of(tcp(80, (f, t) -> !is(t, "x/a") || is(f, "y/c")))),
                new Scenario(
                        "CNP toCIDR of a pod's address does not match the pod (Cilium semantics)",
                        """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: to-b-by-cidr, namespace: x}
                        spec:
                          endpointSelector: {matchLabels: {pod: a}}
                          egress:
                          - toCIDR: ["{{x/b host}}"]
                        """,
                        List.of(tcp(80, (f, t) -> !is(f, "x/a")))));
    }
}
