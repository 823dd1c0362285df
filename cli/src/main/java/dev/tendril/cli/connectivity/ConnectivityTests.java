package dev.tendril.cli.connectivity;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tendril.cli.agent.PodRef;
import dev.tendril.cli.apply.Manifest;
import java.util.ArrayList;
import java.util.List;

/**
 * The scenarios of {@code connectivity test}, in the order they run, after Cilium's connectivity test: plain
 * pod-to-pod first (no policy), then one policy feature each, then Services: a client to the servers' ClusterIP,
 * the same under a policy (the policy applies to the backend after translation, as in Cilium), and a client to a
 * node's address at a NodePort. Each scenario's policies and Services are deleted before the next runs, so every
 * one starts from none in the test namespaces.
 */
final class ConnectivityTests {

    /** An address of TEST-NET-1 (RFC 5737): outside the cluster, allowed by the CIDR scenario. */
    static final String CIDR = "192.0.2.0/24";

    static final String IN_CIDR = "192.0.2.10";
    /** An address of TEST-NET-2: outside the cluster and outside {@link #CIDR}. */
    static final String OUTSIDE_CIDR = "198.51.100.10";

    private ConnectivityTests() {}

    static List<ConnectivityTest> all(TestWorkload workload) {
        String ns = workload.namespace();
        String crossNodeSkip = workload.nodes().size() < 2
                ? "needs 2 nodes, the stack has " + workload.nodes().size()
                : null;
        return List.of(
                new ConnectivityTest("pod-to-pod-same-node", List.of(), sameNode(workload, true)),
                new ConnectivityTest("pod-to-pod-cross-node", List.of(), crossNode(workload), crossNodeSkip),
                new ConnectivityTest(
                        "default-deny",
                        manifests(networkPolicy(ns, "default-deny-ingress", """
                        podSelector: {}
                        policyTypes: [Ingress]
                        """)),
                        pairs(workload, false).stream()
                                .map(e -> e.at("ingress").by("NetworkPolicy/" + ns + "/default-deny-ingress"))
                                .toList()),
                new ConnectivityTest(
                        "allow-by-label",
                        manifests(networkPolicy(ns, "allow-client-to-server", """
                        podSelector:
                          matchLabels: {app: server}
                        policyTypes: [Ingress]
                        ingress:
                        - from:
                          - podSelector:
                              matchLabels: {app: client}
                          ports:
                          - {protocol: TCP, port: %d}
                        """.formatted(TestWorkload.PORT))),
                        with(
                                pairs(workload, true),
                                Expectation.dropped(workload.stranger(), firstServer(workload))
                                        .at("ingress"))),
                new ConnectivityTest(
                        "allow-by-namespace",
                        manifests(networkPolicy(ns, "allow-from-test-namespace", """
                        podSelector:
                          matchLabels: {app: server}
                        policyTypes: [Ingress]
                        ingress:
                        - from:
                          - namespaceSelector:
                              matchLabels: {kubernetes.io/metadata.name: "%s"}
                          ports:
                          - {protocol: TCP, port: %d}
                        """.formatted(ns, TestWorkload.PORT))),
                        with(
                                pairs(workload, true),
                                Expectation.dropped(workload.otherClient(), firstServer(workload))
                                        .at("ingress"))),
                new ConnectivityTest(
                        "allow-by-cidr",
                        manifests(ciliumNetworkPolicy(ns, "client-egress-to-cidr", """
                        endpointSelector:
                          matchLabels: {app: client}
                        egress:
                        - toCIDR: [%s]
                        """.formatted(CIDR))),
                        cidr(workload)),
                new ConnectivityTest(
                        "deny-precedence",
                        manifests(
                                ciliumNetworkPolicy(ns, "allow-client-ingress", """
                                endpointSelector:
                                  matchLabels: {app: server}
                                ingress:
                                - fromEndpoints:
                                  - matchLabels: {app: client}
                                  toPorts:
                                  - ports:
                                    - {port: "%d", protocol: TCP}
                                """.formatted(TestWorkload.PORT)),
                                ciliumNetworkPolicy(ns, "deny-client-ingress", """
                                endpointSelector:
                                  matchLabels: {app: server}
                                ingressDeny:
                                - fromEndpoints:
                                  - matchLabels: {app: client}
                                """)),
                        pairs(workload, false).stream()
                                .map(e -> e.at("ingress")
                                        .because(181)
                                        .by("CiliumNetworkPolicy/" + ns + "/deny-client-ingress"))
                                .toList()),
                new ConnectivityTest(
                        "pod-to-service",
                        manifests(service(ns, SERVICE, "ClusterIP")),
                        workload.nodes().stream()
                                .map(node -> Expectation.forwarded(
                                        workload.client(node), ServiceTargets.service(ns, SERVICE)))
                                .toList()),
                new ConnectivityTest(
                        "pod-to-service-policy",
                        manifests(networkPolicy(ns, "allow-client-to-server", """
                                podSelector:
                                  matchLabels: {app: server}
                                policyTypes: [Ingress]
                                ingress:
                                - from:
                                  - podSelector:
                                      matchLabels: {app: client}
                                """), service(ns, SERVICE, "ClusterIP")),
                        with(
                                List.of(Expectation.forwarded(
                                        workload.client(workload.nodes().getFirst()),
                                        ServiceTargets.service(ns, SERVICE))),
                                Expectation.dropped(workload.stranger(), ServiceTargets.service(ns, SERVICE))
                                        .at("ingress")
                                        .by("NetworkPolicy/" + ns + "/allow-client-to-server"))),
                new ConnectivityTest(
                        "pod-to-nodeport",
                        manifests(service(ns, NODE_PORT_SERVICE, "NodePort")),
                        workload.nodes().stream()
                                .map(node -> Expectation.forwarded(
                                        workload.client(node),
                                        ServiceTargets.nodePort(workload.next(node), ns, NODE_PORT_SERVICE)))
                                .toList()));
    }

    /** The ClusterIP Service over every server pod ({@code app=server}), port 80 to their port named http. */
    static final String SERVICE = "server";

    /** The NodePort Service over the same pods; its NodePort is the policy service's choice. */
    static final String NODE_PORT_SERVICE = "server-nodeport";

    private static ObjectNode service(String namespace, String name, String type) {
        return TestWorkload.document("""
                apiVersion: v1
                kind: Service
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  type: %s
                  selector: {app: server}
                  ports:
                  - {name: http, protocol: %s, port: %d, targetPort: http}
                """.formatted(name, namespace, type, TestWorkload.PROTOCOL, TestWorkload.PORT));
    }

    /** Each node's client to the server of its node. */
    private static List<Expectation> sameNode(TestWorkload workload, boolean forwarded) {
        return workload.nodes().stream()
                .map(node -> expect(workload.client(node), workload.server(node), forwarded))
                .toList();
    }

    /** Each node's client to the server of the next node. */
    private static List<Expectation> crossNode(TestWorkload workload) {
        if (workload.nodes().size() < 2) {
            return List.of();
        }
        return workload.nodes().stream()
                .map(node -> Expectation.forwarded(workload.client(node), workload.server(workload.next(node))))
                .toList();
    }

    /** Same node and, with two nodes or more, across nodes: what a policy test checks. */
    private static List<Expectation> pairs(TestWorkload workload, boolean forwarded) {
        List<Expectation> pairs = new ArrayList<>(sameNode(workload, forwarded));
        if (workload.nodes().size() > 1) {
            workload.nodes()
                    .forEach(node ->
                            pairs.add(expect(workload.client(node), workload.server(workload.next(node)), forwarded)));
        }
        return pairs;
    }

    private static List<Expectation> cidr(TestWorkload workload) {
        List<Expectation> expectations = new ArrayList<>();
        for (String node : workload.nodes()) {
            expectations.add(Expectation.forwarded(workload.client(node), IN_CIDR));
            expectations.add(
                    Expectation.dropped(workload.client(node), OUTSIDE_CIDR).at("egress"));
        }
        return expectations;
    }

    private static PodRef firstServer(TestWorkload workload) {
        return workload.server(workload.nodes().getFirst());
    }

    private static Expectation expect(PodRef from, PodRef to, boolean forwarded) {
        return forwarded ? Expectation.forwarded(from, to) : Expectation.dropped(from, to);
    }

    private static List<Expectation> with(List<Expectation> expectations, Expectation more) {
        List<Expectation> all = new ArrayList<>(expectations);
        all.add(more);
        return all;
    }

    /** A scenario's objects other than pods: its policies and Services, applied before and deleted after it. */
    private static List<Manifest> manifests(ObjectNode... documents) {
        return TestWorkload.manifests(List.of(documents));
    }

    private static ObjectNode networkPolicy(String namespace, String name, String spec) {
        return policy("networking.k8s.io/v1", "NetworkPolicy", namespace, name, spec);
    }

    private static ObjectNode ciliumNetworkPolicy(String namespace, String name, String spec) {
        return policy("cilium.io/v2", "CiliumNetworkPolicy", namespace, name, spec);
    }

    private static ObjectNode policy(String apiVersion, String kind, String namespace, String name, String spec) {
        return TestWorkload.document("""
                apiVersion: %s
                kind: %s
                metadata:
                  name: %s
                  namespace: %s
                spec:
                %s""".formatted(apiVersion, kind, name, namespace, spec.indent(2)));
    }
}
