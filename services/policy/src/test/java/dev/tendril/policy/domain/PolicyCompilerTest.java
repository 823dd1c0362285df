package dev.tendril.policy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.DropReason;
import dev.tendril.datapath.MatchType;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.policy.manifest.ManifestParser;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Focused checks of the entries the compiler produces, and the policies it keeps beside them. */
class PolicyCompilerTest {

    final NetpolCluster cluster = new NetpolCluster();
    final Identity xa = cluster.pod("x/a");
    final Identity ya = cluster.pod("y/a");
    final Identity yb = cluster.pod("y/b");

    SubjectPolicy compile(Identity subject, String yaml) {
        List<Policy> policies = ManifestParser.parse(yaml);
        return new PolicyCompiler(NetpolCluster.CLUSTER)
                .compile(policies, cluster.identities, cluster.namedPorts)
                .get(subject.id());
    }

    static PolicyRef np(String ns, String name) {
        return new PolicyRef(NetworkPolicy.KIND, ns, name);
    }

    static PolicyRef cnp(String ns, String name) {
        return new PolicyRef(CiliumNetworkPolicy.KIND, ns, name);
    }

    @Test
    void unselectedSubjectGetsAllowAllInBothDirectionsOwnedByNoPolicy() {
        SubjectPolicy sp = compile(xa, "");
        assertThat(sp.entries().keySet())
                .containsExactly(
                        PolicyMapKey.anyProtocol(0, Direction.INGRESS), PolicyMapKey.anyProtocol(0, Direction.EGRESS));
        assertThat(sp.entries().values()).allSatisfy(e -> {
            assertThat(e.value().deny()).isFalse();
            assertThat(e.policies()).isEmpty();
        });
        assertThat(sp.enforcedBy()).isEmpty();
    }

    @Test
    void defaultDenyIngressKeepsEgressOpenAndNamesTheEnforcingPolicy() {
        SubjectPolicy sp = compile(xa, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny, namespace: x}
                spec: {podSelector: {}}
                """);
        // Only allow-localhost: the host, any protocol, owned by no policy.
        assertThat(sp.entries(Direction.INGRESS))
                .extracting(PolicyEntry::key)
                .containsExactly(PolicyMapKey.anyProtocol(Identity.HOST, Direction.INGRESS));
        assertThat(sp.entries(Direction.INGRESS).getFirst().policies()).isEmpty();
        assertThat(sp.entries(Direction.INGRESS).getFirst().value().deny()).isFalse();
        assertThat(sp.entries(Direction.EGRESS))
                .extracting(PolicyEntry::key)
                .containsExactly(PolicyMapKey.anyProtocol(0, Direction.EGRESS));
        assertThat(sp.enforcedBy())
                .isEqualTo(Map.of(Direction.INGRESS, new java.util.TreeSet<>(Set.of(np("x", "deny")))));
    }

    @Test
    void endPortRangeIsSplitIntoAlignedPrefixes() {
        SubjectPolicy sp = compile(xa, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: range, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{ports: [{port: 8080, endPort: 8090}]}]
                """);
        // 8080-8090 = 8080/13 (8080-8087), 8088/15 (8088-8089), 8090/16.
        assertThat(sp.entries(Direction.INGRESS))
                .extracting(PolicyEntry::key)
                .containsExactly(
                        PolicyMapKey.portPrefix(0, Direction.INGRESS, IpProtocol.TCP, 8080, 13),
                        PolicyMapKey.portPrefix(0, Direction.INGRESS, IpProtocol.TCP, 8088, 15),
                        PolicyMapKey.of(0, Direction.INGRESS, IpProtocol.TCP, 8090),
                        PolicyMapKey.anyProtocol(Identity.HOST, Direction.INGRESS));
        NetpolCluster.Maps maps = cluster.load("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: range, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{ports: [{port: 8080, endPort: 8090}]}]
                """);
        for (int port = 8075; port <= 8095; port++) {
            assertThat(maps.ingress(xa, ya.id(), Protocol.TCP, port).forwarded())
                    .as("port %d", port)
                    .isEqualTo(port >= 8080 && port <= 8090);
        }
    }

    @Test
    void namedPortResolvesToTheDestinationsNumber() {
        String yaml = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web, namespace: y}
                spec:
                  podSelector: {}
                  ingress: [{ports: [{port: web}]}]
                """;
        assertThat(compile(ya, yaml).entries(Direction.INGRESS))
                .extracting(PolicyEntry::key)
                .containsExactly(
                        PolicyMapKey.of(0, Direction.INGRESS, IpProtocol.TCP, 80),
                        PolicyMapKey.anyProtocol(Identity.HOST, Direction.INGRESS));
        assertThat(compile(yb, yaml).entries(Direction.INGRESS))
                .extracting(PolicyEntry::key)
                .containsExactly(
                        PolicyMapKey.of(0, Direction.INGRESS, IpProtocol.TCP, 81),
                        PolicyMapKey.anyProtocol(Identity.HOST, Direction.INGRESS));
    }

    @Test
    void denyWinsOverAllowOfTheSameKeyAndNamesTheDenyingPolicy() {
        SubjectPolicy sp = compile(xa, """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: allow, namespace: x}
                spec:
                  endpointSelector: {}
                  ingress: [{fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: y}}]}]
                ---
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: deny, namespace: x}
                spec:
                  endpointSelector: {}
                  ingressDeny: [{fromEndpoints: [{matchLabels: {pod: b, k8s:io.kubernetes.pod.namespace: y}}]}]
                """);
        PolicyEntry yaEntry = sp.entries().get(PolicyMapKey.anyProtocol(ya.id(), Direction.INGRESS));
        PolicyEntry ybEntry = sp.entries().get(PolicyMapKey.anyProtocol(yb.id(), Direction.INGRESS));
        assertThat(yaEntry.value().deny()).isFalse();
        assertThat(yaEntry.policies()).containsExactly(cnp("x", "allow"));
        assertThat(ybEntry.value().deny()).isTrue();
        assertThat(ybEntry.policies()).containsExactly(cnp("x", "deny"));
        assertThat(sp.enforcedBy().get(Direction.INGRESS)).containsExactly(cnp("x", "allow"), cnp("x", "deny"));
    }

    @Test
    void broaderDenyRemovesANarrowerAllowThatWouldHideItInTheTrie() {
        String yaml = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: mixed, namespace: x}
                spec:
                  endpointSelector: {}
                  ingress:
                  - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: y}}]
                    toPorts: [{ports: [{port: "80", protocol: TCP}]}]
                  ingressDeny:
                  - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: y}}]
                """;
        SubjectPolicy sp = compile(xa, yaml);
        assertThat(sp.entries()).doesNotContainKey(PolicyMapKey.of(ya.id(), Direction.INGRESS, IpProtocol.TCP, 80));
        var verdict = cluster.load(yaml).ingress(xa, ya.id(), Protocol.TCP, 80);
        assertThat(verdict.dropReason()).isEqualTo(DropReason.POLICY_DENY);
        assertThat(verdict.matchType()).isEqualTo(MatchType.L3_ONLY);
    }

    @Test
    void entriesProducedByTwoPoliciesNameBoth() {
        SubjectPolicy sp = compile(xa, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: one, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{ports: [{port: 80}]}]
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: two, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress: [{ports: [{port: 80}, {port: 443}]}]
                """);
        assertThat(sp.entries()
                        .get(PolicyMapKey.of(0, Direction.INGRESS, IpProtocol.TCP, 80))
                        .policies())
                .containsExactly(np("x", "one"), np("x", "two"));
        assertThat(sp.entries()
                        .get(PolicyMapKey.of(0, Direction.INGRESS, IpProtocol.TCP, 443))
                        .policies())
                .containsExactly(np("x", "two"));
    }

    @Test
    void protocolWithoutPortAndAnyWithPort() {
        SubjectPolicy sp = compile(xa, """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: l4, namespace: x}
                spec:
                  endpointSelector: {}
                  ingress:
                  - toPorts: [{ports: [{protocol: UDP}, {port: "53"}]}]
                """);
        assertThat(sp.entries(Direction.INGRESS))
                .extracting(PolicyEntry::key)
                .containsExactlyInAnyOrder(
                        PolicyMapKey.anyPort(0, Direction.INGRESS, IpProtocol.UDP),
                        PolicyMapKey.of(0, Direction.INGRESS, IpProtocol.TCP, 53),
                        PolicyMapKey.of(0, Direction.INGRESS, IpProtocol.UDP, 53),
                        PolicyMapKey.of(0, Direction.INGRESS, IpProtocol.SCTP, 53),
                        PolicyMapKey.anyProtocol(Identity.HOST, Direction.INGRESS));
    }

    @Test
    void emptyFromAllowsEveryPeerIncludingWorldWhileNamespaceSelectorDoesNot() {
        NetpolCluster.Maps open = cluster.load("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: open, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{}]
                """);
        assertThat(open.ingress(xa, Identity.WORLD, Protocol.TCP, 80).forwarded())
                .isTrue();
        assertThat(open.ingress(xa, Identity.WORLD, Protocol.TCP, 80).matchType())
                .isEqualTo(MatchType.ALL);
        NetpolCluster.Maps pods = cluster.load("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: pods, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{from: [{namespaceSelector: {}}]}]
                """);
        assertThat(pods.ingress(xa, Identity.WORLD, Protocol.TCP, 80).dropReason())
                .isEqualTo(DropReason.POLICY_DENIED);
        // The host is not a pod of any namespace, yet allow-localhost lets it in (L3-only, no policy).
        var fromHost = pods.ingress(xa, Identity.HOST, Protocol.TCP, 80);
        assertThat(fromHost.forwarded()).isTrue();
        assertThat(fromHost.matchType()).isEqualTo(MatchType.L3_ONLY);
        assertThat(pods.compiled()
                        .get(xa.id())
                        .entryFor(fromHost.matchedKey())
                        .orElseThrow()
                        .policies())
                .isEmpty();
        assertThat(pods.ingress(xa, ya.id(), Protocol.TCP, 80).matchType()).isEqualTo(MatchType.L3_ONLY);
    }

    @Test
    void clusterEntityIncludesHostButNotWorld() {
        NetpolCluster.Maps maps = cluster.load("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: cluster, namespace: x}
                spec:
                  endpointSelector: {}
                  ingress: [{fromEntities: [cluster]}]
                """);
        assertThat(maps.ingress(xa, Identity.HOST, Protocol.TCP, 80).forwarded())
                .isTrue();
        assertThat(maps.ingress(xa, cluster.pod("z/c").id(), Protocol.TCP, 80).forwarded())
                .isTrue();
        assertThat(maps.ingress(xa, Identity.WORLD, Protocol.TCP, 80).forwarded())
                .isFalse();
    }

    @Test
    void hostEntitySelectsOnlyTheHost() {
        NetpolCluster.Maps maps = cluster.load("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: host, namespace: x}
                spec:
                  endpointSelector: {}
                  ingress: [{fromEntities: [host]}]
                """);
        assertThat(maps.ingress(xa, Identity.HOST, Protocol.TCP, 80).forwarded())
                .isTrue();
        assertThat(maps.ingress(xa, ya.id(), Protocol.TCP, 80).forwarded()).isFalse();
    }

    @Test
    void policyInAnotherNamespaceDoesNotSelectTheSubject() {
        SubjectPolicy sp = compile(xa, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny, namespace: y}
                spec: {podSelector: {}}
                """);
        assertThat(sp.enforcedBy()).isEmpty();
    }

    @Test
    void namedPortToEveryPeerOnEgressCoversEveryNumberTheNameHas() {
        SubjectPolicy sp = compile(xa, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-out, namespace: x}
                spec:
                  podSelector: {}
                  policyTypes: [Egress]
                  egress: [{ports: [{port: web}]}]
                """);
        assertThat(sp.entries(Direction.EGRESS))
                .extracting(PolicyEntry::key)
                .containsExactly(
                        PolicyMapKey.of(0, Direction.EGRESS, IpProtocol.TCP, 80),
                        PolicyMapKey.of(0, Direction.EGRESS, IpProtocol.TCP, 81));
    }

    @Test
    void cnpPeerSelectingNamespaceLabelsIsNotLimitedToThePolicysNamespace() {
        NetpolCluster.Maps maps = cluster.load("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: from-ns-y, namespace: x}
                spec:
                  endpointSelector: {}
                  ingress:
                  - fromEndpoints: [{matchLabels: {k8s:io.cilium.k8s.namespace.labels.ns: y}}]
                """);
        assertThat(maps.ingress(xa, yb.id(), Protocol.TCP, 80).forwarded()).isTrue();
        assertThat(maps.ingress(xa, cluster.pod("x/b").id(), Protocol.TCP, 80).forwarded())
                .isFalse();
    }

    @Test
    void everyKnownIdentityGetsASubjectPolicy() {
        var all = new PolicyCompiler(NetpolCluster.CLUSTER).compile(List.of(), cluster.identities, cluster.namedPorts);
        assertThat(all.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        cluster.identities.stream().map(Identity::id).toList());
    }

    @Test
    void aVerdictsMatchedKeyLeadsBackToThePoliciesThatDecided() {
        String yaml = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: from-y-range, namespace: x}
                spec:
                  podSelector: {}
                  ingress:
                  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}]
                    ports: [{port: 8080, endPort: 8090}]
                ---
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: no-8089, namespace: x}
                spec:
                  endpointSelector: {}
                  ingressDeny: [{toPorts: [{ports: [{port: "8089", protocol: TCP}]}]}]
                """;
        SubjectPolicy sp = compile(xa, yaml);
        NetpolCluster.Maps maps = cluster.load(yaml);

        var allowed = maps.ingress(xa, ya.id(), Protocol.TCP, 8085);
        assertThat(allowed.forwarded()).isTrue();
        assertThat(sp.entryFor(allowed.matchedKey()).orElseThrow().policies()).containsExactly(np("x", "from-y-range"));

        var denied = maps.ingress(xa, ya.id(), Protocol.TCP, 8089);
        assertThat(denied.dropReason()).isEqualTo(DropReason.POLICY_DENY);
        assertThat(sp.entryFor(denied.matchedKey()).orElseThrow().policies()).containsExactly(cnp("x", "no-8089"));

        var defaultDeny = maps.ingress(xa, cluster.pod("z/a").id(), Protocol.TCP, 8085);
        assertThat(defaultDeny.dropReason()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(sp.entryFor(defaultDeny.matchedKey())).isEmpty();
        assertThat(sp.enforcedBy().get(Direction.INGRESS))
                .containsExactly(cnp("x", "no-8089"), np("x", "from-y-range"));
    }

    @Test
    void allowLocalhostOnlyWhereIngressIsEnforced() {
        String yaml = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: egress-only, namespace: x}
                spec:
                  podSelector: {}
                  policyTypes: [Egress]
                """;
        SubjectPolicy sp = compile(xa, yaml);
        assertThat(sp.entries(Direction.INGRESS))
                .extracting(PolicyEntry::key)
                .containsExactly(PolicyMapKey.anyProtocol(0, Direction.INGRESS));
        assertThat(sp.entries(Direction.EGRESS)).isEmpty();
        NetpolCluster.Maps maps = cluster.load(yaml);
        assertThat(maps.egress(xa, Identity.HOST, Protocol.TCP, 80).dropReason())
                .isEqualTo(DropReason.POLICY_DENIED);
    }

    @Test
    void allowLocalhostKeepsThePolicyThatAlsoAllowsTheHost() {
        SubjectPolicy sp = compile(xa, """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: host, namespace: x}
                spec:
                  endpointSelector: {}
                  ingress: [{fromEntities: [host]}]
                """);
        assertThat(sp.entries(Direction.INGRESS)).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo(PolicyMapKey.anyProtocol(Identity.HOST, Direction.INGRESS));
            assertThat(e.policies()).containsExactly(cnp("x", "host"));
        });
    }

    @Test
    void aDenyOfTheHostWinsOverAllowLocalhost() {
        String yaml = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: no-host, namespace: x}
                spec:
                  endpointSelector: {}
                  ingressDeny: [{fromEntities: [host]}]
                """;
        SubjectPolicy sp = compile(xa, yaml);
        PolicyEntry host = sp.entries().get(PolicyMapKey.anyProtocol(Identity.HOST, Direction.INGRESS));
        assertThat(host.value().deny()).isTrue();
        assertThat(host.policies()).containsExactly(cnp("x", "no-host"));
        var verdict = cluster.load(yaml).ingress(xa, Identity.HOST, Protocol.TCP, 80);
        assertThat(verdict.dropReason()).isEqualTo(DropReason.POLICY_DENY);
    }

    @Test
    void aWildcardDenyRemovesAllowLocalhostAndAPortDenyStillWinsForItsPort() {
        SubjectPolicy all = compile(xa, """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: deny-all, namespace: x}
                spec:
                  endpointSelector: {}
                  ingressDeny: [{fromEntities: [all]}]
                """);
        assertThat(all.entries(Direction.INGRESS))
                .extracting(PolicyEntry::key)
                .containsExactly(PolicyMapKey.anyProtocol(0, Direction.INGRESS));
        assertThat(all.entries(Direction.INGRESS).getFirst().value().deny()).isTrue();

        String port80 = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: no-80, namespace: x}
                spec:
                  endpointSelector: {}
                  ingressDeny: [{toPorts: [{ports: [{port: "80", protocol: TCP}]}]}]
                """;
        assertThat(compile(xa, port80).entries())
                .containsKey(PolicyMapKey.anyProtocol(Identity.HOST, Direction.INGRESS));
        NetpolCluster.Maps maps = cluster.load(port80);
        assertThat(maps.ingress(xa, Identity.HOST, Protocol.TCP, 80).dropReason())
                .isEqualTo(DropReason.POLICY_DENY);
        assertThat(maps.ingress(xa, Identity.HOST, Protocol.TCP, 81).forwarded())
                .isTrue();
    }

    @Test
    void healthIsAnOpenSubjectButNotAnExemptPeer() {
        NetpolCluster c = new NetpolCluster();
        c.identities.add(Identity.reserved(Identity.HEALTH, "health"));
        String denyAll = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: deny, namespace: x}
                spec:
                  endpointSelector: {}
                  ingress: [{}]
                  egress: [{}]
                """;
        NetpolCluster.Maps maps = c.load(denyAll);
        Identity health = Identity.reserved(Identity.HEALTH, "health");
        assertThat(maps.ingress(xa, Identity.HEALTH, Protocol.TCP, 4240).dropReason())
                .isEqualTo(DropReason.POLICY_DENIED);
        assertThat(maps.egress(health, xa.id(), Protocol.TCP, 80).forwarded()).isTrue();
        assertThat(maps.ingress(health, xa.id(), Protocol.TCP, 4240).forwarded())
                .isTrue();
        assertThat(maps.compiled().get(Identity.HEALTH).enforcedBy()).isEmpty();

        NetpolCluster.Maps allowed = c.load(denyAll + """
                ---
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: health, namespace: x}
                spec:
                  endpointSelector: {}
                  ingress: [{fromEntities: [health]}]
                """);
        assertThat(allowed.ingress(xa, Identity.HEALTH, Protocol.TCP, 4240).forwarded())
                .isTrue();
        assertThat(allowed.ingress(xa, cluster.pod("y/a").id(), Protocol.TCP, 4240)
                        .forwarded())
                .isFalse();
    }
}
