package dev.tendril.identity.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.k8s.labels.Labels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Replaying the log in order yields the current identities, namespaces, endpoints and endpoint counts. */
class StateSnapshotTest {

    private static Endpoint endpoint(String pod, String ip, long identity) {
        return new Endpoint(
                EndpointSpec.of("shop", pod, "uid-" + pod, "node-1", List.of(ip), Map.of("app", "web"), "", List.of()),
                identity);
    }

    @Test
    void replayKeepsWhatIsLiveAndCountsTheEndpointsOfEachIdentity() {
        Labels web = LabelSyntax.parseLabels(List.of("k8s:app=web"), "labels");
        Labels api = LabelSyntax.parseLabels(List.of("k8s:app=api"), "labels");
        Namespace shop = Namespace.of("shop", Map.of());
        StateSnapshot.Replay replay = new StateSnapshot.Replay();

        replay.replay(new NamespaceEvent.NamespaceUpserted(Namespace.of("gone", Map.of())));
        replay.replay(new NamespaceEvent.NamespaceUpserted(shop));
        replay.replay(new IdentityEvent.IdentityAllocated(300, web));
        replay.replay(new IdentityEvent.IdentityAllocated(301, api));
        replay.replay(new IdentityEvent.IdentityAllocated(302, api));
        replay.replay(new EndpointEvent.EndpointRegistered(endpoint("a", "10.0.0.1", 300)));
        replay.replay(new EndpointEvent.EndpointUpdated(endpoint("a", "10.0.0.1", 301)));
        replay.replay(new EndpointEvent.EndpointRegistered(endpoint("b", "10.0.0.2", 301)));
        replay.replay(new EndpointEvent.EndpointDeregistered(endpoint("b", "10.0.0.2", 301)));
        replay.replay(new IdentityEvent.IdentityReleased(302, api));
        replay.replay(new NamespaceEvent.NamespaceDeleted("gone"));

        StateSnapshot state = replay.snapshot();
        assertThat(state.identities()).isEqualTo(Map.of(300L, web, 301L, api));
        assertThat(state.namespaces()).isEqualTo(Map.of("shop", shop));
        assertThat(state.endpoints()).isEqualTo(Map.of("shop/a", endpoint("a", "10.0.0.1", 301)));
        assertThat(state.endpointCounts()).isEqualTo(Map.of(300L, 0, 301L, 1));
    }
}
