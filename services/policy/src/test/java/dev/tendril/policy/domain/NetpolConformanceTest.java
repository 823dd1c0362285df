package dev.tendril.policy.domain;

import static dev.tendril.testing.netpol.NetpolScenarios.ALL;
import static dev.tendril.testing.netpol.NetpolScenarios.is;
import static dev.tendril.testing.netpol.NetpolScenarios.probe;
import static dev.tendril.testing.netpol.NetpolScenarios.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.net.IpAddress;
import dev.tendril.testing.netpol.NetpolScenarios;
import dev.tendril.testing.netpol.NetpolScenarios.Pod;
import dev.tendril.testing.netpol.NetpolScenarios.Probe;
import dev.tendril.testing.netpol.NetpolScenarios.Scenario;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * 9x9 reachability truth tables in the upstream Kubernetes netpol e2e model (see {@link NetpolCluster}),
 * computed through the compiled policy maps and the datapath decision: the fixed cases of
 * {@link NetpolScenarios} (which deploy's WalkthroughEndToEndTest also runs against the local stack) through a
 * full compile and through {@link PolicyEngine}, and scenarios of mutations (policy update and delete, pod and
 * namespace relabel, pods appearing after the policy, named ports) through the engine alone, with the maps
 * written only from the changes it publishes. The diagonal (a pod to itself) is left out of the tables:
 * loopback inside a pod never reaches the datapath, so no policy map decides it.
 */
class NetpolConformanceTest {

    static Stream<Scenario> cases() {
        return NetpolScenarios.scenarios().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void truthTable(Scenario c) {
        for (boolean v4 : List.of(true, false)) {
            NetpolCluster cluster = new NetpolCluster();
            NetpolCluster.Maps maps = cluster.load(c.manifests(NetpolScenarios.modelAddresses(v4)));
            for (Probe probe : c.probes()) {
                assertTable(c.name() + (v4 ? " (IPv4 blocks)" : " (IPv6 blocks)"), cluster.pods, probe, maps::reach);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void truthTableThroughTheEngine(Scenario c) {
        NetpolCluster.Live live = new NetpolCluster.Live();
        if (!c.manifests().isBlank()) {
            live.apply(c.manifests(NetpolScenarios.modelAddresses(true)));
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
        String header = "        "
                + String.join(" ", pods.keySet().stream().map(Pod::toString).toList()) + "\n";
        expected.append(header);
        actual.append(header);
        pods.forEach((from, fromId) -> {
            expected.append(from).append("    ");
            actual.append(from).append("    ");
            pods.forEach((to, toId) -> {
                String e = from.equals(to) ? "-" : probe.expected().test(from, to) ? "." : "X";
                String a = from.equals(to)
                        ? "-"
                        : reach.test(fromId, toId, Protocol.valueOf(probe.protocol()), probe.port()) ? "." : "X";
                expected.append(e).append("   ");
                actual.append(a).append("   ");
            });
            expected.append('\n');
            actual.append('\n');
        });
        assertThat(actual.toString())
                .as(
                        "%s, %d/%s ('.' connects, 'X' dropped, rows from, columns to)",
                        step, probe.port(), probe.protocol())
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
        assertTables(
                "x from y",
                live,
                tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("y")));

        live.apply("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: policy, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: 81}]}]
                """);
        assertTables(
                "x/a from y on 81",
                live,
                tcp(80, (f, t) -> !is(t, "x/a")),
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
        assertTables(
                "both",
                live,
                tcp(
                        80,
                        (f, t) -> !t.namespace().equals("x")
                                && (!is(f, "z/c") || t.namespace().equals("z"))));
        live.delete(NetworkPolicy.KIND, "x", "policy");
        assertTables(
                "egress-z left",
                live,
                tcp(80, (f, t) -> !is(f, "z/c") || t.namespace().equals("z")));
        live.delete(NetworkPolicy.KIND, "z", "egress-z");
        assertTables("none left", live, tcp(80, ALL), tcp(81, ALL), probe(80, "UDP", ALL));
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
        assertTables(
                "before",
                live,
                tcp(80, (f, t) -> !is(t, "x/b") && (!t.namespace().equals("y") || is(f, "x/a"))));
        long before = live.pod("x/a").id();

        live.relabelPod("x/a", Map.of("pod", "b"));
        assertThat(live.pod("x/a").id()).isNotEqualTo(before);
        assertThat(live.engine.subject(before)).isEmpty();
        assertTables(
                "x/a relabelled pod=b",
                live,
                tcp(
                        80,
                        (f, t) ->
                                !is(t, "x/b") && !is(t, "x/a") && !t.namespace().equals("y")));

        live.relabelPod("x/c", Map.of("pod", "a"));
        assertTables(
                "x/c relabelled pod=a",
                live,
                tcp(
                        80,
                        (f, t) -> !is(t, "x/b")
                                && !is(t, "x/a")
                                && (!t.namespace().equals("y") || is(f, "x/c"))));
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
        assertTables(
                "y blue",
                live,
                tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("y")));

        live.relabelNamespace("z", Map.of("ns", "z", "kubernetes.io/metadata.name", "z", "team", "blue"));
        live.relabelNamespace("y", Map.of("ns", "y", "kubernetes.io/metadata.name", "y", "team", "red"));
        assertTables(
                "z blue, y red",
                live,
                tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("z")));

        live.relabelNamespace("x", Map.of("ns", "x", "kubernetes.io/metadata.name", "x", "team", "blue"));
        assertTables(
                "x blue too",
                live,
                tcp(80, (f, t) -> !t.namespace().equals("x") || !f.namespace().equals("y")));
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
        assertTables(
                "y/d added",
                live,
                tcp(80, (f, t) -> !t.namespace().equals("x") || f.name().equals("d")));

        live.removePod("x/d");
        assertThat(live.pods).hasSize(10);
        assertTables("x/d removed", live, tcp(80, (f, t) -> !t.namespace().equals("x") || is(f, "y/d")));
    }

    /**
     * An ipBlock follows the endpoints' addresses: the peer that takes the address is allowed, the one that
     * leaves it is not, and an identity with one endpoint outside the block is not selected at all.
     */
    @Test
    void ipBlockSelectionFollowsEndpointAddresses() {
        NetpolCluster.Live live = new NetpolCluster.Live().apply("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: to-block, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress: [{to: [{ipBlock: {cidr: 10.0.1.17/32}}]}]
                """);
        assertTables("x/b holds 10.0.1.17", live, tcp(80, (f, t) -> !is(f, "x/a") || is(t, "x/b")));

        live.addresses("x/b", List.of(Set.of(IpAddress.parse("10.9.9.9"))));
        assertTables("x/b moved away", live, tcp(80, (f, t) -> !is(f, "x/a")));

        live.addresses("y/c", List.of(Set.of(IpAddress.parse("10.0.1.17"), IpAddress.parse("fd00::999"))));
        assertTables("y/c took the address", live, tcp(80, (f, t) -> !is(f, "x/a") || is(t, "y/c")));

        live.addresses("y/c", List.of(Set.of(IpAddress.parse("10.0.1.17")), Set.of(IpAddress.parse("10.9.9.10"))));
        assertTables("a second endpoint of y/c's identity outside the block", live, tcp(80, (f, t) -> !is(f, "x/a")));

        live.addresses("y/c", List.of(Set.of(IpAddress.parse("10.0.1.17"))));
        assertTables("that endpoint left", live, tcp(80, (f, t) -> !is(f, "x/a") || is(t, "y/c")));

        live.addresses("y/c", List.of());
        assertTables("y/c has no endpoint", live, tcp(80, (f, t) -> !is(f, "x/a")));
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
        assertTables(
                "before",
                live,
                tcp(
                        80,
                        (f, t) -> (!t.namespace().equals("x") || t.name().equals("a"))
                                && (!is(f, "z/a") || is(t, "y/a"))),
                tcp(
                        81,
                        (f, t) -> (!t.namespace().equals("x") || !t.name().equals("a"))
                                && (!is(f, "z/a") || is(t, "y/b") || is(t, "y/c"))));

        List<NamedPort> web80 = List.of(new NamedPort("web", 80, Protocol.TCP));
        live.namedPorts("x/b", web80).namedPorts("y/c", web80);
        assertTables(
                "x/b and y/c serve web on 80",
                live,
                tcp(
                        80,
                        (f, t) -> (!t.namespace().equals("x") || !is(t, "x/c"))
                                && (!is(f, "z/a") || is(t, "y/a") || is(t, "y/c"))),
                tcp(81, (f, t) -> (!t.namespace().equals("x") || is(t, "x/c")) && (!is(f, "z/a") || is(t, "y/b"))));
    }
}
