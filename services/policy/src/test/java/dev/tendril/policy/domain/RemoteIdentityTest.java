package dev.tendril.policy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.policy.manifest.ManifestParser;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * ClusterMesh peers' identities in the engine: selected by labels with Cilium's cluster semantics, never
 * subjects, withdrawn on removal.
 */
class RemoteIdentityTest {

    static final String LOCAL = "default";
    static final Identity WEB = Identity.pod(1000, "shop", Map.of(), Map.of("app", "x"), LOCAL);
    static final Identity DB_WEST = Identity.pod(1001, "shop", Map.of(), Map.of("app", "db-west"), LOCAL);
    static final Identity DB_ANY = Identity.pod(1002, "shop", Map.of(), Map.of("app", "db-any"), LOCAL);
    static final Identity WEST_WEB = Identity.pod((2 << 16) + 300, "shop", Map.of(), Map.of("app", "x"), "west");
    static final Identity EAST_WEB = Identity.pod((3 << 16) + 300, "shop", Map.of(), Map.of("app", "x"), "east");

    static final String POLICIES = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: from-west, namespace: shop}
            spec:
              endpointSelector: {matchLabels: {app: db-west}}
              ingress: [{fromEndpoints: [{matchLabels: {app: x, io.cilium.k8s.policy.cluster: west}}]}]
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: from-any-cluster, namespace: shop}
            spec:
              endpointSelector: {matchLabels: {app: db-any}}
              ingress: [{fromEndpoints: [{matchLabels: {app: x}}]}]
            """;

    private PolicyEngine engine() {
        PolicyEngine engine = new PolicyEngine(LOCAL, PolicyMap.DEFAULT_MAX_ENTRIES);
        engine.upsertIdentity(WEB);
        engine.upsertIdentity(DB_WEST);
        engine.upsertIdentity(DB_ANY);
        engine.apply(ManifestParser.parse(POLICIES));
        return engine;
    }

    @Test
    void aSelectorWithTheClusterLabelSelectsOnlyThatClustersIdentities() {
        PolicyEngine engine = engine();

        engine.upsertRemoteIdentity(WEST_WEB);
        engine.upsertRemoteIdentity(EAST_WEB);

        assertThat(ingressPeers(engine, DB_WEST)).containsExactly(WEST_WEB.id());
    }

    @Test
    void aSelectorWithoutTheClusterLabelSelectsEveryClustersIdentities() {
        PolicyEngine engine = engine();

        engine.upsertRemoteIdentity(WEST_WEB);
        PolicyEngine.Changes changes = engine.upsertRemoteIdentity(EAST_WEB);

        assertThat(ingressPeers(engine, DB_ANY)).containsExactlyInAnyOrder(WEB.id(), WEST_WEB.id(), EAST_WEB.id());
        // Only the local subject whose peers changed is republished; the remote identity gets no map.
        assertThat(changes.changed().keySet()).containsExactly(DB_ANY.id());
    }

    @Test
    void aRemoteIdentityIsNeverASubject() {
        PolicyEngine engine = engine();

        engine.upsertRemoteIdentity(WEST_WEB);

        assertThat(engine.subject(WEST_WEB.id())).isEmpty();
        assertThat(engine.isRemote(WEST_WEB.id())).isTrue();
        assertThat(engine.isLocalSubject(WEST_WEB)).isFalse();
        assertThat(engine.isLocalSubject(WEB)).isTrue();
    }

    @Test
    void removingARemoteIdentityWithdrawsItFromEverySelection() {
        PolicyEngine engine = engine();
        engine.upsertRemoteIdentity(WEST_WEB);

        PolicyEngine.Changes changes = engine.removeIdentity(WEST_WEB.id());

        assertThat(changes.changed().keySet()).containsExactlyInAnyOrder(DB_WEST.id(), DB_ANY.id());
        assertThat(ingressPeers(engine, DB_WEST)).isEmpty();
        assertThat(ingressPeers(engine, DB_ANY)).containsExactly(WEB.id());
        assertThat(engine.isRemote(WEST_WEB.id())).isFalse();
    }

    private static Set<Long> ingressPeers(PolicyEngine engine, Identity subject) {
        return engine.subject(subject.id()).orElseThrow().entries().keySet().stream()
                .filter(k -> k.direction() == Direction.INGRESS && k.identity() > 255)
                .map(PolicyMapKey::identity)
                .collect(Collectors.toSet());
    }
}
