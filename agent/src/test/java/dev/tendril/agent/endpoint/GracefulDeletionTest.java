package dev.tendril.agent.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.LocalEndpointTable;
import dev.tendril.agent.state.NodeImage;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Deletion with a grace period (Kubernetes' Terminating): the endpoint keeps pod, maps, identity and addresses
 * and is marked terminating upstream; it is deleted when the period is over, also by an agent restarted
 * meanwhile; grace 0 deletes at once, also a terminating endpoint; a re-creation meanwhile is refused.
 */
class GracefulDeletionTest {

    static final String NODE = "node-1";
    static final Instant T0 = Instant.parse("2026-12-06T02:00:00Z");

    final List<String> calls = new ArrayList<>();
    final FakeIpam ipam = new FakeIpam(calls);
    final FakeIdentity identity = new FakeIdentity(calls);
    Instant now = T0;
    final InstantSource clock = () -> now;
    /** Pods wired, and endpoints with maps, by key. */
    final Set<String> wired = new TreeSet<>();

    final Set<String> mapped = new TreeSet<>();

    final LocalMaps maps = new LocalMaps() {
        @Override
        public void install(LocalEndpoint endpoint) {
            mapped.add(endpoint.key());
        }

        @Override
        public void uninstall(LocalEndpoint endpoint) {
            calls.add("maps.uninstall " + endpoint.key());
            mapped.remove(endpoint.key());
        }
    };

    final PodNetwork pods = new PodNetwork() {
        @Override
        public void attach(LocalEndpoint endpoint) {
            wired.add(endpoint.key());
        }

        @Override
        public void detach(LocalEndpoint endpoint) {
            calls.add("pods.detach " + endpoint.key());
            wired.remove(endpoint.key());
        }

        @Override
        public String status() {
            return "recording";
        }
    };

    LocalEndpointTable table = new LocalEndpointTable(NODE, LocalEndpointTable.Snapshot.EMPTY);
    EndpointManager manager = manager();

    private EndpointManager manager() {
        return new EndpointManager(NODE, table, ipam, identity, maps, pods, () -> {}, clock);
    }

    private LocalEndpoint create(String pod, String uid) {
        return manager.create(new EndpointSpec("shop", pod, uid, Map.of("app", "web"), "web", List.of()))
                .endpoint();
    }

    @Test
    void aTerminatingEndpointKeepsEverythingUntilItsGracePeriodIsOver() {
        LocalEndpoint web = create("web-1", "u1");
        calls.clear();

        EndpointManager.Deletion deletion = manager.delete("shop", "web-1", "u1", Duration.ofSeconds(20));

        assertThat(deletion.endpoint()).isEqualTo(web);
        assertThat(deletion.removeAt()).isEqualTo(T0.plusSeconds(20));
        assertThat(calls).containsExactly("identity.terminating shop/web-1");
        assertThat(identity.endpoints.get("shop/web-1").getTerminating()).isTrue();
        assertThat(table.terminatingUntil("shop/web-1")).contains(T0.plusSeconds(20));
        assertThat(table.resolve(NodeImage.EMPTY)).as("still served").containsExactly(web);
        assertThat(wired).containsExactly("shop/web-1");
        assertThat(mapped).containsExactly("shop/web-1");

        now = T0.plusSeconds(19);
        assertThat(manager.finishTerminations()).isZero();
        assertThat(wired).containsExactly("shop/web-1");

        now = T0.plusSeconds(20);
        assertThat(manager.finishTerminations()).isEqualTo(1);
        assertThat(calls)
                .containsSubsequence(
                        "pods.detach shop/web-1",
                        "maps.uninstall shop/web-1",
                        "identity.deregister shop/web-1",
                        "ipam.release u1");
        assertThat(wired).isEmpty();
        assertThat(mapped).isEmpty();
        assertThat(identity.endpoints).doesNotContainKey("shop/web-1");
        assertThat(table.registered("shop/web-1")).isEmpty();
        assertThat(table.terminatingUntil("shop/web-1")).isEmpty();
        assertThat(manager.finishTerminations()).as("nothing is left to do").isZero();
    }

    @Test
    void anAgentRestartedDuringTheGracePeriodDeletesTheEndpointWhenItIsDue() throws Exception {
        create("web-1", "u1");
        manager.delete("shop", "web-1", "u1", Duration.ofSeconds(30));

        ObjectMapper json = new ObjectMapper();
        table = new LocalEndpointTable(
                NODE, json.readValue(json.writeValueAsBytes(table.snapshot()), LocalEndpointTable.Snapshot.class));
        manager = manager();

        assertThat(table.terminatingUntil("shop/web-1")).contains(T0.plusSeconds(30));
        now = T0.plusSeconds(10);
        assertThat(manager.finishTerminations()).isZero();
        now = T0.plusSeconds(31);
        assertThat(manager.finishTerminations()).isEqualTo(1);
        assertThat(table.registered("shop/web-1")).isEmpty();
        assertThat(identity.endpoints).doesNotContainKey("shop/web-1");
        assertThat(wired).isEmpty();
    }

    @Test
    void aTableSavedBeforeGracePeriodsLoadsWithNoTerminatingEndpoint() throws Exception {
        ObjectMapper json = new ObjectMapper();
        var saved = json.readTree(json.writeValueAsBytes(LocalEndpointTable.Snapshot.EMPTY));
        ((com.fasterxml.jackson.databind.node.ObjectNode) saved).remove("terminating");

        LocalEndpointTable.Snapshot loaded = json.treeToValue(saved, LocalEndpointTable.Snapshot.class);

        assertThat(loaded.terminating()).isEmpty();
    }

    @Test
    void graceZeroDeletesATerminatingEndpointAtOnce() {
        create("web-1", "u1");
        manager.delete("shop", "web-1", "u1", Duration.ofSeconds(30));

        EndpointManager.Deletion forced = manager.delete("shop", "web-1", "u1", Duration.ZERO);

        assertThat(forced.removeAt()).isNull();
        assertThat(table.registered("shop/web-1")).isEmpty();
        assertThat(table.terminatingUntil("shop/web-1")).isEmpty();
        assertThat(wired).isEmpty();
        assertThat(identity.endpoints).doesNotContainKey("shop/web-1");
        assertThat(manager.finishTerminations()).isZero();
    }

    @Test
    void aSecondDeletionMayShortenTheGracePeriodButNotLengthenIt() {
        create("web-1", "u1");
        manager.delete("shop", "web-1", "u1", Duration.ofSeconds(30));
        calls.clear();

        assertThat(manager.delete("shop", "web-1", "", Duration.ofSeconds(60)).removeAt())
                .isEqualTo(T0.plusSeconds(30));
        assertThat(manager.delete("shop", "web-1", "", Duration.ofSeconds(5)).removeAt())
                .isEqualTo(T0.plusSeconds(5));
        assertThat(calls).as("marked upstream once").isEmpty();
        assertThat(table.terminatingUntil("shop/web-1")).contains(T0.plusSeconds(5));
    }

    @Test
    void aRecreationWhileTerminatingIsRefusedWithoutChangingAnything() {
        create("web-1", "u1");
        manager.delete("shop", "web-1", "u1", Duration.ofSeconds(30));
        calls.clear();

        for (String uid : List.of("u1", "u2")) {
            assertThatThrownBy(() -> create("web-1", uid))
                    .isInstanceOfSatisfying(EndpointRejectedException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.field()).isEqualTo("pod");
                        assertThat(e.getMessage()).contains("terminating until " + T0.plusSeconds(30));
                    });
        }
        assertThat(calls).isEmpty();
        assertThat(table.terminatingUntil("shop/web-1")).contains(T0.plusSeconds(30));
    }

    @Test
    void aRefusedMarkUpstreamLeavesTheEndpointLiveAndAStaleUidIsRefused() {
        create("web-1", "u1");
        identity.failMarkTerminating = new UpstreamException(503, null, "identity service: unavailable", null);

        assertThatThrownBy(() -> manager.delete("shop", "web-1", "u1", Duration.ofSeconds(30)))
                .isInstanceOf(UpstreamException.class);
        assertThat(table.terminatingUntil("shop/web-1")).isEmpty();
        assertThat(identity.endpoints.get("shop/web-1").getTerminating()).isFalse();

        identity.failMarkTerminating = null;
        assertThatThrownBy(() -> manager.delete("shop", "web-1", "u0", Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(
                        EndpointRejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(409));
        assertThat(table.terminatingUntil("shop/web-1")).isEmpty();
        assertThat(wired).containsExactly("shop/web-1");
    }

    @Test
    void aDueDeletionThatFailsIsRetriedByTheNextCall() {
        create("web-1", "u1");
        manager.delete("shop", "web-1", "u1", Duration.ofSeconds(1));
        identity.failDeregister = new UpstreamException(503, null, "identity service: unavailable", null);
        now = T0.plusSeconds(2);

        assertThat(manager.finishTerminations()).isZero();
        assertThat(table.registered("shop/web-1")).isPresent();

        identity.failDeregister = null;
        assertThat(manager.finishTerminations()).isEqualTo(1);
        assertThat(table.registered("shop/web-1")).isEmpty();
        assertThat(identity.endpoints).doesNotContainKey("shop/web-1");
    }
}
