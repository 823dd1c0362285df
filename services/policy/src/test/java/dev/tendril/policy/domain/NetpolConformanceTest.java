package dev.tendril.policy.domain;

import dev.tendril.policy.domain.NetpolCluster.Pod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 9x9 reachability truth tables in the upstream Kubernetes netpol e2e model (see {@link NetpolCluster}),
 * computed through the compiled policy maps and the datapath decision: the fixed cases through a full
 * compile and through {@link PolicyEngine}, and scenarios of mutations (policy update and delete, pod and
 * namespace relabel, pods appearing after the policy, named ports) through the engine alone, with the maps
 * written only from the changes it publishes. The diagonal (a pod to itself) is left out of the tables:
 * loopback inside a pod never reaches the datapath, so no policy map decides it.
 */
class NetpolConformanceTest {

    /** One probe: a port and protocol, and which (from, to) pairs must connect. */
    record Probe(int port, Protocol protocol, BiPredicate<Pod, Pod> expected) {
    }

    record Case(String name, String manifests, List<Probe> probes) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Probe tcp(int port, BiPredicate<Pod, Pod> expected) {
        return new Probe(port, Protocol.TCP, expected);
    }

    static final BiPredicate<Pod, Pod> ALL = (f, t) -> true;

    static boolean is(Pod p, String nsSlashName) {
        return p.toString().equals(nsSlashName);
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("no policy: everything connects", "", List.of(tcp(80, ALL), tcp(81, ALL),
                        new Probe(80, Protocol.UDP, ALL), new Probe(80, Protocol.SCTP, ALL))),

                new Case("default-deny ingress in x (policyTypes Ingress)", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-ingress, namespace: x}
                        spec:
                          podSelector: {}
                          policyTypes: [Ingress]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")))),

                new Case("default-deny ingress in x inferred from an empty spec", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-ingress, namespace: x}
                        spec:
                          podSelector: {}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")),
                        tcp(81, (f, t) -> !t.namespace().equals("x")))),

                new Case("allow ingress from the same namespace only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: same-ns, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - podSelector: {}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("x")))),

                new Case("allow ingress from namespace y by namespaceSelector", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-y, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {ns: y}}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("y")))),

                new Case("empty namespaceSelector allows every namespace", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: all-ns, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - from:
                            - namespaceSelector: {}
                        """, List.of(tcp(80, ALL))),

                new Case("namespaceSelector on kubernetes.io/metadata.name", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-z, namespace: y}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("y") || f.namespace().equals("z")))),

                new Case("podSelector and namespaceSelector in one peer are ANDed", """
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

                new Case("podSelector and namespaceSelector in two peers are ORed", """
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

                new Case("matchExpressions NotIn and In", """
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

                new Case("matchExpressions DoesNotExist selects no labelled pod", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: dne, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: c}}
                          ingress:
                          - from:
                            - podSelector: {matchExpressions: [{key: pod, operator: DoesNotExist}]}
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/c")))),

                new Case("port 81 only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: port-81, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - ports: [{port: 81}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a")), tcp(81, ALL),
                        new Probe(81, Protocol.UDP, (f, t) -> !is(t, "x/a")))),

                new Case("protocol UDP only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: udp-80, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: 80, protocol: UDP}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")),
                        new Probe(80, Protocol.UDP, ALL), new Probe(80, Protocol.SCTP, (f, t) -> !t.namespace().equals("x")))),

                new Case("named port resolved per destination pod", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: named, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: web}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || t.name().equals("a")),
                        tcp(81, (f, t) -> !t.namespace().equals("x") || !t.name().equals("a")))),

                new Case("named port on egress resolved per destination peer", """
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

                new Case("named port with a protocol its container port lacks allows nothing", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: named-udp, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: serve-81-tcp, protocol: UDP}]
                        """, List.of(tcp(81, (f, t) -> !t.namespace().equals("x")),
                        new Probe(81, Protocol.UDP, (f, t) -> !t.namespace().equals("x")))),

                new Case("endPort range 81-90", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: range, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: 81, endPort: 90}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")), tcp(81, ALL), tcp(88, ALL),
                        tcp(90, ALL), tcp(91, (f, t) -> !t.namespace().equals("x")))),

                new Case("SCTP port 80 only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: sctp-80, namespace: z}
                        spec:
                          podSelector: {matchLabels: {pod: b}}
                          ingress:
                          - ports: [{port: 80, protocol: SCTP}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "z/b")), new Probe(80, Protocol.SCTP, ALL),
                        new Probe(81, Protocol.SCTP, (f, t) -> !is(t, "z/b")))),

                new Case("CNP endPort range with protocol ANY", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: range-any, namespace: x}
                        spec:
                          endpointSelector: {}
                          ingress:
                          - toPorts: [{ports: [{port: "79", endPort: 80}]}]
                        """, List.of(tcp(80, ALL), new Probe(80, Protocol.UDP, ALL),
                        tcp(81, (f, t) -> !t.namespace().equals("x")))),

                new Case("egress deny-all in x", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-egress, namespace: x}
                        spec:
                          podSelector: {}
                          policyTypes: [Egress]
                        """, List.of(tcp(80, (f, t) -> !f.namespace().equals("x")))),

                new Case("egress rules without policyTypes also enforce ingress", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: egress-to-y, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          egress:
                          - to:
                            - namespaceSelector: {matchLabels: {ns: y}}
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a") && (!is(f, "x/a") || t.namespace().equals("y"))))),

                new Case("policyTypes Egress ignores listed ingress rules and leaves ingress open", """
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

                new Case("union of two policies", """
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

                new Case("CNP ingressDeny beats an allow-all", """
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

                new Case("CNP ingressDeny on port 81 beats an NP allow of the namespace", """
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

                new Case("CNP fromEndpoints {} means the policy's namespace", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: same-ns, namespace: y}
                        spec:
                          endpointSelector: {matchLabels: {pod: b}}
                          ingress:
                          - fromEndpoints: [{}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "y/b") || f.namespace().equals("y")))),

                new Case("CNP egress toEntities cluster reaches every pod", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: cluster, namespace: z}
                        spec:
                          endpointSelector: {}
                          egress:
                          - toEntities: [cluster]
                        """, List.of(tcp(80, ALL))),

                new Case("CNP egress toPorts ANY 81 to namespace y", """
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
                        new Probe(81, Protocol.UDP, (f, t) -> !is(f, "z/c") || t.namespace().equals("y")))),

                new Case("CNP empty ingress rule only enables default deny", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: lockdown, namespace: x}
                        spec:
                          endpointSelector: {matchLabels: {pod: a}}
                          ingress: [{}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a")))),

                new Case("CNP enableDefaultDeny false keeps other traffic open while denying", """
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void truthTable(Case c) {
        NetpolCluster cluster = new NetpolCluster();
        NetpolCluster.Maps maps = cluster.load(c.manifests());
        for (Probe probe : c.probes()) {
            assertTable(c.name(), cluster.pods, probe, maps::reach);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void truthTableThroughTheEngine(Case c) {
        NetpolCluster.Live live = new NetpolCluster.Live();
        if (!c.manifests().isBlank()) {
            live.apply(c.manifests());
        }
        assertTables(c.name(), live, c.probes().toArray(Probe[]::new));
    }

    interface Reach {
        boolean test(Identity from, Identity to, Protocol protocol, int port);
    }

    static void assertTables(String step, NetpolCluster.Live live, Probe... probes) {
        for (Probe probe : probes) {
            assertTable(step, live.pods, probe, live::reach);
        }
    }

    /**
     * Renders expected and actual 9x9 (or larger) tables and compares them whole. The diagonal (a pod to
     * itself) stays out: loopback inside a pod never reaches the datapath, so no policy map decides it.
     */
    static void assertTable(String step, Map<Pod, Identity> pods, Probe probe, Reach reach) {
        StringBuilder expected = new StringBuilder();
        StringBuilder actual = new StringBuilder();
        String header = "        " + String.join(" ", pods.keySet().stream().map(Pod::toString).toList()) + "\n";
        expected.append(header);
        actual.append(header);
        pods.forEach((from, fromId) -> {
            expected.append(from).append("    ");
            actual.append(from).append("    ");
            pods.forEach((to, toId) -> {
                String e = from.equals(to) ? "-" : probe.expected().test(from, to) ? "." : "X";
                String a = from.equals(to) ? "-" : reach.test(fromId, toId, probe.protocol(), probe.port()) ? "." : "X";
                expected.append(e).append("   ");
                actual.append(a).append("   ");
            });
            expected.append('\n');
            actual.append('\n');
        });
        assertThat(actual.toString())
                .as("%s, %d/%s ('.' connects, 'X' dropped, rows from, columns to)", step, probe.port(), probe.protocol())
                .isEqualTo(expected.toString());
    }

    static final String DENY_X = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: policy, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
            """;

    @Test
    void policyUpdateReplacesTheTablesOfTheOldVersion() {
        NetpolCluster.Live live = new NetpolCluster.Live().apply(DENY_X);
        assertTables("deny x", live, tcp(80, (f, t) -> !t.namespace().equals("x")));

        live.apply("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: policy, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
                """);
        assertTables("x from y", live, tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("y")));

        live.apply("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: policy, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: 81}]}]
                """);
        assertTables("x/a from y on 81", live, tcp(80, (f, t) -> !is(t, "x/a")),
                tcp(81, (f, t) -> !is(t, "x/a") || f.namespace().equals("y")));
    }

    @Test
    void policyDeleteRestoresTheTables() {
        NetpolCluster.Live live = new NetpolCluster.Live().apply(DENY_X + """
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: egress-z, namespace: z}
                spec:
                  podSelector: {matchLabels: {pod: c}}
                  policyTypes: [Egress]
                  egress: [{to: [{podSelector: {}}]}]
                """);
        assertTables("both", live, tcp(80, (f, t) -> !t.namespace().equals("x")
                && (!is(f, "z/c") || t.namespace().equals("z"))));
        live.delete(NetworkPolicy.KIND, "x", "policy");
        assertTables("egress-z left", live, tcp(80, (f, t) -> !is(f, "z/c") || t.namespace().equals("z")));
        live.delete(NetworkPolicy.KIND, "z", "egress-z");
        assertTables("none left", live, tcp(80, ALL), tcp(81, ALL), new Probe(80, Protocol.UDP, ALL));
    }

    @Test
    void podRelabelMovesThePodBetweenSelections() {
        NetpolCluster.Live live = new NetpolCluster.Live().apply("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny-b, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: b}}
                  policyTypes: [Ingress]
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: from-x-a, namespace: y}
                spec:
                  podSelector: {}
                  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: x}}, podSelector: {matchLabels: {pod: a}}}]}]
                """);
        assertTables("before", live, tcp(80, (f, t) -> !is(t, "x/b") && (!t.namespace().equals("y") || is(f, "x/a"))));
        long before = live.pod("x/a").id();

        live.relabelPod("x/a", Map.of("pod", "b"));
        assertThat(live.pod("x/a").id()).isNotEqualTo(before);
        assertThat(live.engine.subject(before)).isEmpty();
        assertTables("x/a relabelled pod=b", live,
                tcp(80, (f, t) -> !is(t, "x/b") && !is(t, "x/a") && !t.namespace().equals("y")));

        live.relabelPod("x/c", Map.of("pod", "a"));
        assertTables("x/c relabelled pod=a", live,
                tcp(80, (f, t) -> !is(t, "x/b") && !is(t, "x/a") && (!t.namespace().equals("y") || is(f, "x/c"))));
    }

    @Test
    void namespaceRelabelGivesEveryPodANewIdentityAndChangesNamespaceSelection() {
        NetpolCluster.Live live = new NetpolCluster.Live().apply("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: from-blue, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}]}]
                """);
        assertTables("no blue namespace", live, tcp(80, (f, t) -> !t.namespace().equals("x")));

        live.relabelNamespace("y", Map.of("ns", "y", "kubernetes.io/metadata.name", "y", "team", "blue"));
        assertTables("y blue", live, tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("y")));

        live.relabelNamespace("z", Map.of("ns", "z", "kubernetes.io/metadata.name", "z", "team", "blue"));
        live.relabelNamespace("y", Map.of("ns", "y", "kubernetes.io/metadata.name", "y", "team", "red"));
        assertTables("z blue, y red", live, tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("z")));

        live.relabelNamespace("x", Map.of("ns", "x", "kubernetes.io/metadata.name", "x", "team", "blue"));
        assertTables("x blue too", live, tcp(80, (f, t) -> !t.namespace().equals("x") || !f.namespace().equals("y")));
    }

    @Test
    void podsThatAppearAfterThePolicyAreSelectedAsSubjectsAndPeers() {
        NetpolCluster.Live live = new NetpolCluster.Live().apply("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: only-from-d, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {pod: d}}}]}]
                """);
        assertTables("no pod d yet", live, tcp(80, (f, t) -> !t.namespace().equals("x")));

        live.addPod("x", "d", Map.of("pod", "d"));
        assertThat(live.pods).hasSize(10);
        assertTables("x/d added", live, tcp(80, (f, t) -> !t.namespace().equals("x") || is(f, "x/d")));

        live.addPod("y", "d", Map.of("pod", "d"));
        assertTables("y/d added", live,
                tcp(80, (f, t) -> !t.namespace().equals("x") || f.name().equals("d")));

        live.removePod("x/d");
        assertThat(live.pods).hasSize(10);
        assertTables("x/d removed", live, tcp(80, (f, t) -> !t.namespace().equals("x") || is(f, "y/d")));
    }

    @Test
    void namedPortChangesOfADestinationChangeItsTables() {
        NetpolCluster.Live live = new NetpolCluster.Live().apply("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: ingress-web, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{ports: [{port: web}]}]
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: egress-web, namespace: z}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: web}]}]
                """);
        // web: 80 on pods a, 81 on b and c.
        assertTables("before", live,
                tcp(80, (f, t) -> (!t.namespace().equals("x") || t.name().equals("a"))
                        && (!is(f, "z/a") || is(t, "y/a"))),
                tcp(81, (f, t) -> (!t.namespace().equals("x") || !t.name().equals("a"))
                        && (!is(f, "z/a") || is(t, "y/b") || is(t, "y/c"))));

        List<NamedPort> web80 = List.of(new NamedPort("web", 80, Protocol.TCP));
        live.namedPorts("x/b", web80).namedPorts("y/c", web80);
        assertTables("x/b and y/c serve web on 80", live,
                tcp(80, (f, t) -> (!t.namespace().equals("x") || !is(t, "x/c"))
                        && (!is(f, "z/a") || is(t, "y/a") || is(t, "y/c"))),
                tcp(81, (f, t) -> (!t.namespace().equals("x") || is(t, "x/c"))
                        && (!is(f, "z/a") || is(t, "y/b"))));
    }
}
