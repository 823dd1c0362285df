package dev.tendril.policy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.policy.manifest.ManifestParser;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What each mutation recompiles and publishes, the selector cache's sharing, and map-size overflow. */
class PolicyEngineTest {

    final NetpolCluster cluster = new NetpolCluster();

    PolicyEngine engine(int maxEntries, String manifests) {
        PolicyEngine engine = new PolicyEngine(NetpolCluster.CLUSTER, maxEntries);
        cluster.identities.forEach(engine::upsertIdentity);
        cluster.namedPorts.forEach(engine::setNamedPorts);
        if (!manifests.isBlank()) {
            engine.apply(ManifestParser.parse(manifests));
        }
        return engine;
    }

    long id(String pod) {
        return cluster.pod(pod).id();
    }

    Set<Long> ids(String... pods) {
        return java.util.Arrays.stream(pods).map(this::id).collect(java.util.stream.Collectors.toSet());
    }

    static final String X_FROM_Y_AND_Z_A_FROM_Z_B = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-y, namespace: x}
            spec:
              podSelector: {}
              ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: a-from-b, namespace: z}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
            """;

    @Test
    void addingAnIdentityNoSelectorMatchesPublishesOnlyItsOwnAllowAllMap() {
        PolicyEngine engine = engine(PolicyMap.DEFAULT_MAX_ENTRIES, X_FROM_Y_AND_Z_A_FROM_Z_B);
        long matchesBefore = engine.selectorCache().identityMatches();
        Identity q = Identity.pod(5000, "q", Map.of("ns", "q"), Map.of("pod", "a"), NetpolCluster.CLUSTER);

        PolicyEngine.Changes changes = engine.upsertIdentity(q);

        assertThat(changes.changed().keySet()).containsExactly(5000L);
        assertThat(changes.changed().get(5000L).entries().keySet())
                .containsExactly(
                        PolicyMapKey.anyProtocol(0, Direction.INGRESS), PolicyMapKey.anyProtocol(0, Direction.EGRESS));
        assertThat(changes.removed()).isEmpty();
        assertThat(changes.overflows()).isEmpty();
        // Every selector here has an In requirement (namespace x, namespace label ns=y, namespace z) and the
        // new identity has none of those labels: it is matched against no selector at all.
        assertThat(engine.selectorCache().identityMatches() - matchesBefore).isZero();
    }

    @Test
    void addingAnIdentityASelectorMatchesRepublishesOnlyTheSubjectsWhosePeersChanged() {
        PolicyEngine engine = engine(PolicyMap.DEFAULT_MAX_ENTRIES, X_FROM_Y_AND_Z_A_FROM_Z_B);
        Identity yd = Identity.pod(
                5001,
                "y",
                Map.of("ns", "y", "kubernetes.io/metadata.name", "y"),
                Map.of("pod", "d"),
                NetpolCluster.CLUSTER);

        PolicyEngine.Changes changes = engine.upsertIdentity(yd);

        Set<Long> expected = new java.util.TreeSet<>(ids("x/a", "x/b", "x/c"));
        expected.add(5001L);
        assertThat(changes.changed().keySet()).containsExactlyElementsOf(expected);
        assertThat(changes.changed().get(id("x/b")).entries())
                .containsKey(PolicyMapKey.anyProtocol(5001, Direction.INGRESS));

        Identity zb2 = Identity.pod(
                5002,
                "z",
                Map.of("ns", "z", "kubernetes.io/metadata.name", "z"),
                Map.of("pod", "b"),
                NetpolCluster.CLUSTER);
        assertThat(engine.upsertIdentity(zb2).changed().keySet()).containsExactlyInAnyOrder(5002L, id("z/a"));

        assertThat(engine.removeIdentity(5001).changed().keySet())
                .containsExactlyInAnyOrderElementsOf(ids("x/a", "x/b", "x/c"));
        assertThat(engine.subject(5001)).isEmpty();
    }

    @Test
    void twoPoliciesWithTheSameSelectorsShareOneCacheEntryEvaluatedOnce() {
        PolicyEngine engine = engine(PolicyMap.DEFAULT_MAX_ENTRIES, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: one, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: 80}]}]
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: two, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: 81}]}]
                """);
        PolicyRef one = new PolicyRef(NetworkPolicy.KIND, "x", "one");
        PolicyRef two = new PolicyRef(NetworkPolicy.KIND, "x", "two");

        assertThat(engine.selectors())
                .hasSize(2)
                .allSatisfy(s -> assertThat(s.users()).containsExactly(one, two));
        assertThat(engine.selectors())
                .filteredOn(s -> s.selector().contains("namespace.labels.ns"))
                .singleElement()
                .satisfies(s -> assertThat(s.selected()).containsExactlyInAnyOrderElementsOf(ids("y/a", "y/b", "y/c")));
        assertThat(engine.selectorCache().selectorEvaluations()).isEqualTo(2);
        assertThat(engine.selectedBy(one)).containsExactlyInAnyOrderElementsOf(ids("x/a", "x/b", "x/c"));

        engine.delete(one);
        assertThat(engine.selectors())
                .hasSize(2)
                .allSatisfy(s -> assertThat(s.users()).containsExactly(two));
        engine.delete(two);
        assertThat(engine.selectors()).isEmpty();
    }

    @Test
    void applyAndDeleteRecompileOnlyTheSubjectsThePolicySelects() {
        PolicyEngine engine = engine(PolicyMap.DEFAULT_MAX_ENTRIES, "");
        List<Policy> denyA = ManifestParser.parse("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny, namespace: y}
                spec: {podSelector: {matchLabels: {pod: a}}}
                """);
        assertThat(engine.apply(denyA).changed().keySet()).containsExactly(id("y/a"));
        assertThat(engine.apply(denyA)).isEqualTo(PolicyEngine.Changes.NONE);

        List<Policy> denyB = ManifestParser.parse("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny, namespace: y}
                spec: {podSelector: {matchLabels: {pod: b}}}
                """);
        assertThat(engine.apply(denyB).changed().keySet()).containsExactlyInAnyOrderElementsOf(ids("y/a", "y/b"));
        PolicyEngine.Changes deleted = engine.delete(denyB.getFirst().ref());
        assertThat(deleted.changed().keySet()).containsExactly(id("y/b"));
        assertThat(engine.delete(denyB.getFirst().ref())).isEqualTo(PolicyEngine.Changes.NONE);
    }

    @Test
    void namedPortChangeRepublishesTheSubjectsWhoseEgressResolvesIt() {
        PolicyEngine engine = engine(PolicyMap.DEFAULT_MAX_ENTRIES, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: to-y-web, namespace: x}
                spec:
                  podSelector: {}
                  policyTypes: [Egress]
                  egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: web}]}]
                """);
        PolicyEngine.Changes changes =
                engine.setNamedPorts(id("y/b"), List.of(new NamedPort("web", 8080, Protocol.TCP)));
        assertThat(changes.changed().keySet()).containsExactlyInAnyOrderElementsOf(ids("x/a", "x/b", "x/c"));
        assertThat(changes.changed().get(id("x/a")).entries())
                .containsKey(PolicyMapKey.of(id("y/b"), Direction.EGRESS, 6, 8080))
                .doesNotContainKey(PolicyMapKey.of(id("y/b"), Direction.EGRESS, 6, 81));
        // z/b's named ports matter to no rule: nothing to publish.
        assertThat(engine.setNamedPorts(id("z/b"), List.of(new NamedPort("web", 8080, Protocol.TCP))))
                .isEqualTo(PolicyEngine.Changes.NONE);
    }

    @Test
    void overflowingSubjectKeepsItsPreviousMapAndIsReportedOnceUntilItChanges() {
        // 3 entries: the allow-all pair, or an enforced ingress with at most one peer entry plus the host.
        PolicyEngine engine = engine(3, "");
        Map<Long, SubjectPolicy> before = Map.copyOf(engine.subjects());
        List<Policy> fromAll = ManifestParser.parse("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: from-all, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{from: [{namespaceSelector: {}}]}]
                """);

        PolicyEngine.Changes applied = engine.apply(fromAll);

        assertThat(applied.changed()).isEmpty();
        assertThat(applied.overflows())
                .extracting(PolicyEngine.Overflow::subject)
                .containsExactlyInAnyOrderElementsOf(ids("x/a", "x/b", "x/c"));
        // 9 pods + the allow-localhost host entry + the egress allow-all.
        assertThat(applied.overflows()).allSatisfy(o -> {
            assertThat(o.entries()).isEqualTo(11);
            assertThat(o.maxEntries()).isEqualTo(3);
            assertThat(o.policies()).containsExactly(fromAll.getFirst().ref());
        });
        assertThat(engine.subject(id("x/a"))).contains(before.get(id("x/a")));
        assertThat(engine.overflows()).hasSize(3);

        // Unrelated to x: no report again.
        assertThat(engine.setNamedPorts(id("z/b"), List.of()))
                .satisfies(c -> assertThat(c.overflows()).isEmpty());
        // A new pod grows x's maps: the changed overflow is reported again.
        Identity zd = Identity.pod(5003, "z", Map.of("ns", "z"), Map.of("pod", "d"), NetpolCluster.CLUSTER);
        PolicyEngine.Changes grown = engine.upsertIdentity(zd);
        assertThat(grown.overflows()).extracting(PolicyEngine.Overflow::entries).containsOnly(12);
        assertThat(grown.changed().keySet()).containsExactly(5003L);

        // Back under the limit: published again, overflow gone.
        PolicyEngine.Changes narrowed = engine.apply(ManifestParser.parse("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: from-all, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{from: [{podSelector: {matchLabels: {pod: a}}}]}]
                  policyTypes: [Ingress]
                """));
        assertThat(narrowed.overflows()).isEmpty();
        assertThat(narrowed.changed().keySet()).containsExactlyInAnyOrderElementsOf(ids("x/a", "x/b", "x/c"));
        assertThat(engine.overflows()).isEmpty();
        assertThat(engine.subject(id("x/b")).orElseThrow().entries().keySet())
                .containsExactly(
                        PolicyMapKey.anyProtocol(Identity.HOST, Direction.INGRESS),
                        PolicyMapKey.anyProtocol(id("x/a"), Direction.INGRESS),
                        PolicyMapKey.anyProtocol(0, Direction.EGRESS));
    }
}
