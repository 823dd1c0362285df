package dev.tendril.policy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.eventstore.CommandRejectedException.Kind;
import dev.tendril.eventstore.GivenWhenThen;
import dev.tendril.policy.domain.PolicyCommand.ApplyPolicy;
import dev.tendril.policy.domain.PolicyCommand.DeletePolicy;
import dev.tendril.policy.domain.PolicyEvent.PolicyApplied;
import dev.tendril.policy.domain.PolicyEvent.PolicyDeleted;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One policy's stream: given its past events, when a command, then the events or the refusal. */
class PolicyDeciderTest {

    private static final PolicyRef REF = new PolicyRef("NetworkPolicy", "demo", "allow-web");
    private static final PolicyDecider DECIDER = new PolicyDecider();

    private static Manifest manifest(int port) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("podSelector", Map.of());
        spec.put("ingress", List.of(Map.of("ports", List.of(Map.of("port", port)))));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", "networking.k8s.io/v1");
        doc.put("kind", "NetworkPolicy");
        doc.put("metadata", Map.of("name", "allow-web", "namespace", "demo"));
        doc.put("spec", spec);
        return new Manifest(doc);
    }

    private static PolicyApplied applied(Manifest manifest, long revision) {
        return new PolicyApplied(REF.kind(), REF.namespace(), REF.name(), manifest, revision);
    }

    private static GivenWhenThen<PolicyCommand, PolicyState, PolicyEvent> given(PolicyEvent... past) {
        return GivenWhenThen.of(DECIDER).given(past);
    }

    @Test
    void applyingANewPolicyStoresItUnderTheRequestsRevisionAndCreatesIt() {
        var outcome = given().when(new ApplyPolicy(REF, manifest(80), 4)).then(applied(manifest(80), 4));
        assertThat(outcome.stateAfter()).isEqualTo(new StoredPolicy(REF, manifest(80), 4));
        assertThat(ApplyResult.of(PolicyState.ABSENT, List.of(applied(manifest(80), 4))))
                .isEqualTo(ApplyResult.CREATED);
    }

    @Test
    void reApplyingTheSameManifestAppendsNothingWhateverTheOrderOfItsFields() {
        Map<String, Object> reordered = new LinkedHashMap<>();
        List.copyOf(manifest(80).document().entrySet())
                .reversed()
                .forEach(e -> reordered.put(e.getKey(), e.getValue()));
        var outcome = given(applied(manifest(80), 4))
                .when(new ApplyPolicy(REF, new Manifest(reordered), 9))
                .thenNothing();
        assertThat(outcome.stateAfter()).isEqualTo(new StoredPolicy(REF, manifest(80), 4));
        assertThat(ApplyResult.of(outcome.stateAfter(), List.of())).isEqualTo(ApplyResult.UNCHANGED);
    }

    @Test
    void applyingAChangedManifestConfiguresThePolicy() {
        given(applied(manifest(80), 4))
                .when(new ApplyPolicy(REF, manifest(81), 9))
                .then(applied(manifest(81), 9));
        assertThat(ApplyResult.of(new StoredPolicy(REF, manifest(80), 4), List.of(applied(manifest(81), 9))))
                .isEqualTo(ApplyResult.CONFIGURED);
    }

    @Test
    void applyingAfterADeleteCreatesThePolicyAgain() {
        given(applied(manifest(80), 4), new PolicyDeleted(REF.kind(), REF.namespace(), REF.name(), 5))
                .when(new ApplyPolicy(REF, manifest(80), 6))
                .then(applied(manifest(80), 6));
    }

    @Test
    void deletingAStoredPolicyRemovesIt() {
        var outcome = given(applied(manifest(80), 4))
                .when(new DeletePolicy(REF, 5))
                .then(new PolicyDeleted(REF.kind(), REF.namespace(), REF.name(), 5));
        assertThat(outcome.stateAfter()).isEqualTo(PolicyState.ABSENT);
    }

    @Test
    void deletingAPolicyThatDoesNotExistIsRefusedAsNotFound() {
        given().when(new DeletePolicy(REF, 1)).thenRejected(Kind.NOT_FOUND, "name");
        given(applied(manifest(80), 4), new PolicyDeleted(REF.kind(), REF.namespace(), REF.name(), 5))
                .when(new DeletePolicy(REF, 6))
                .thenRejected(Kind.NOT_FOUND, "name");
    }
}
