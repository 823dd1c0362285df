package dev.tendril.agent.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.agent.state.EndpointsMap;
import dev.tendril.agent.state.InMemoryMapBackend;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.LocalEndpointTable;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Order, idempotency and rollback of the endpoint API's logic, with in-memory IPAM, identity service and maps. */
class EndpointManagerTest {

    static final String NODE = "node-1";

    final List<String> calls = new ArrayList<>();
    final FakeIpam ipam = new FakeIpam(calls);
    final FakeIdentity identity = new FakeIdentity(calls);
    final InMemoryMapBackend backend = new InMemoryMapBackend();
    final LocalEndpointTable table = new LocalEndpointTable(NODE, LocalEndpointTable.Snapshot.EMPTY);
    RuntimeException failMaps;
    int persisted;
    /** The agent's current image of the state topics. */
    NodeImage image = NodeImage.EMPTY;

    /** The agent's LocalMaps: reconciles the local maps to the table (no topic image here). */
    final LocalMaps maps = new LocalMaps() {
        @Override
        public void install(LocalEndpoint endpoint) {
            calls.add("maps.install " + endpoint.key());
            if (failMaps != null) {
                throw failMaps;
            }
            sync();
        }

        @Override
        public void uninstall(LocalEndpoint endpoint) {
            calls.add("maps.uninstall " + endpoint.key());
            sync();
        }

        private void sync() {
            NodeMapsReconciler.reconcile(backend, image, NODE, table.resolve(image), false);
        }
    };

    RuntimeException failAttach;
    RuntimeException failDetach;
    /** The pods wired now, by key. */
    final java.util.Set<String> wired = new java.util.TreeSet<>();

    /** The agent's PodNetwork: records the calls and which pods are wired. */
    final PodNetwork pods = new PodNetwork() {
        @Override
        public void attach(LocalEndpoint endpoint) {
            calls.add("pods.attach " + endpoint.key());
            if (failAttach != null) {
                throw failAttach;
            }
            wired.add(endpoint.key());
        }

        @Override
        public void detach(LocalEndpoint endpoint) {
            calls.add("pods.detach " + endpoint.key());
            if (failDetach != null) {
                throw failDetach;
            }
            wired.remove(endpoint.key());
        }

        @Override
        public String status() {
            return "recording";
        }
    };

    final EndpointManager manager = new EndpointManager(NODE, table, ipam, identity, maps, pods, () -> persisted++);

    static EndpointSpec spec(String pod, String uid, Map<String, String> labels) {
        return new EndpointSpec(
                "shop", pod, uid, labels, "web", List.of(new EndpointSpec.NamedPort("http", 8080, "TCP")));
    }

    private List<String> policyMaps() {
        return backend.names().stream()
                .filter(n -> n.startsWith(NodeMapsReconciler.POLICY_MAP_PREFIX))
                .toList();
    }

    @Test
    void createsAddressesThenIdentityThenMapsAndAnswersTheSameForARepeatedRequest() {
        EndpointManager.Result r = manager.create(spec("web-1", "u1", Map.of("app", "web")));

        assertThat(r.created()).isTrue();
        assertThat(r.endpoint()).isEqualTo(new LocalEndpoint("shop", "web-1", "u1", 1, "10.0.1.10", "fd00::110", 1000));
        assertThat(calls)
                .containsExactly(
                        "ipam.allocate shop/web-1 u1",
                        "identity.register shop/web-1",
                        "maps.install shop/web-1",
                        "pods.attach shop/web-1");
        assertThat(wired).containsExactly("shop/web-1");
        assertThat(identity.endpoints.get("shop/web-1").getIpv4()).isEqualTo("10.0.1.10");
        assertThat(policyMaps()).containsExactly("cilium_policy_v2_1");
        assertThat(backend.open(EndpointsMap.NAME).orElseThrow().size()).isEqualTo(2);
        assertThat(persisted).isPositive();

        calls.clear();
        EndpointManager.Result again = manager.create(spec("web-1", "u1", Map.of("app", "web")));
        assertThat(again.created()).isFalse();
        assertThat(again.endpoint()).isEqualTo(r.endpoint());
        assertThat(calls).isEmpty();

        EndpointManager.Result second = manager.create(spec("web-2", "u2", Map.of("app", "web")));
        assertThat(second.endpoint().endpointId()).isEqualTo(2);
        assertThat(second.endpoint().identity()).isEqualTo(1000);
    }

    @Test
    void refusesTheSamePodWithAnotherUidWithoutChangingAnything() {
        manager.create(spec("web-1", "u1", Map.of("app", "web")));
        calls.clear();

        assertThatThrownBy(() -> manager.create(spec("web-1", "u9", Map.of("app", "web"))))
                .isInstanceOfSatisfying(EndpointRejectedException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.field()).isEqualTo("uid");
                });
        assertThat(calls).isEmpty();
        assertThat(ipam.held).containsOnlyKeys("u1");
    }

    @Test
    void relabelUpdatesTheRegistrationInPlaceAndReturnsTheNewIdentity() {
        LocalEndpoint before =
                manager.create(spec("web-1", "u1", Map.of("app", "web"))).endpoint();
        calls.clear();

        EndpointManager.Result r = manager.create(spec("web-1", "u1", Map.of("app", "web", "tier", "front")));

        assertThat(r.created()).isFalse();
        assertThat(r.endpoint().identity()).isEqualTo(1001);
        assertThat(r.endpoint().endpointId()).isEqualTo(before.endpointId());
        assertThat(r.endpoint().ipv4()).isEqualTo(before.ipv4());
        assertThat(calls).containsExactly("identity.register shop/web-1", "maps.install shop/web-1");
        assertThat(EndpointsMap.Value.decode(backend.open(EndpointsMap.NAME)
                                .orElseThrow()
                                .lookup(EndpointsMap.Key.of(before.ipv4()).encode())
                                .orElseThrow())
                        .identity())
                .isEqualTo(1001);
    }

    @Test
    void aRefusedIdentityRegistrationRollsTheAddressesBackWithoutQuarantine() {
        identity.failRegister =
                new UpstreamException(422, "namespace", "identity service: namespace: shop is unknown", null);

        assertThatThrownBy(() -> manager.create(spec("web-1", "u1", Map.of("app", "web"))))
                .isSameAs(identity.failRegister);

        // Refused: no endpoint ever had the addresses, so IPAM may free them at once.
        assertThat(calls)
                .containsExactly("ipam.allocate shop/web-1 u1", "identity.register shop/web-1", "ipam.rollback u1");
        assertThat(ipam.held).isEmpty();
        assertThat(table.snapshot().ids()).isEmpty();
        assertThat(policyMaps()).isEmpty();
    }

    @Test
    void aRegistrationWhoseOutcomeIsUnknownReleasesTheAddressesIntoQuarantine() {
        // A timeout: the identity service may have recorded (and published) the endpoint.
        identity.failRegister = new UpstreamException(503, null, "identity service: DEADLINE_EXCEEDED", null);

        assertThatThrownBy(() -> manager.create(spec("web-1", "u1", Map.of("app", "web"))))
                .isSameAs(identity.failRegister);

        assertThat(calls)
                .containsExactly("ipam.allocate shop/web-1 u1", "identity.register shop/web-1", "ipam.release u1");
        assertThat(ipam.held).isEmpty();
    }

    @Test
    void anEndpointDeletedUpstreamLosesItsMapsAddressesAndIdAndOneStillBeingCreatedDoesNot() {
        manager.create(spec("web-1", "u1", Map.of("app", "web")));
        manager.create(spec("web-2", "u2", Map.of("app", "web")));
        NodeImage both = new NodeImage(
                Map.of(), Map.of("shop/web-1", topic("web-1", "u1"), "shop/web-2", topic("web-2", "u2")), Map.of());
        NodeImage onlyWeb2 = new NodeImage(Map.of(), Map.of("shop/web-2", topic("web-2", "u2")), Map.of());
        // web-1 is created but the topic has not shown it yet: not taken for deleted.
        table.resolveLatest(new NodeImage(Map.of(), Map.of("shop/web-2", topic("web-2", "u2")), Map.of()));
        assertThat(table.goneUpstream()).isEmpty();
        table.resolveLatest(both);
        calls.clear();

        table.resolveLatest(onlyWeb2);
        assertThat(table.goneUpstream()).extracting(LocalEndpoint::pod).containsExactly("web-1");
        assertThat(manager.finishUpstreamDeletions()).isEqualTo(1);

        assertThat(calls).containsExactly("pods.detach shop/web-1", "maps.uninstall shop/web-1", "ipam.release u1");
        assertThat(wired).containsExactly("shop/web-2");
        assertThat(ipam.held).containsOnlyKeys("u2");
        assertThat(identity.endpoints).as("not deregistered again").containsKey("shop/web-1");
        assertThat(policyMaps()).containsExactly("cilium_policy_v2_2");
        assertThat(table.registered("shop/web-1")).isEmpty();
        assertThat(manager.finishUpstreamDeletions()).as("idempotent").isZero();
        assertThat(manager.create(spec("web-3", "u3", Map.of("app", "web")))
                        .endpoint()
                        .endpointId())
                .as("the freed endpoint id")
                .isEqualTo(1);
    }

    @Test
    void anUpstreamDeletionWhoseReleaseFailsIsFinishedByTheNextCall() {
        manager.create(spec("web-1", "u1", Map.of("app", "web")));
        table.resolveLatest(new NodeImage(Map.of(), Map.of("shop/web-1", topic("web-1", "u1")), Map.of()));
        table.resolveLatest(NodeImage.EMPTY);
        ipam.failRelease = new UpstreamException(503, null, "IPAM: UNAVAILABLE", null);

        assertThat(manager.finishUpstreamDeletions()).isZero();
        assertThat(policyMaps()).as("its maps are gone at once").isEmpty();
        assertThat(table.isDeleting("shop/web-1")).isTrue();
        assertThatThrownBy(() -> manager.create(spec("web-1", "u9", Map.of("app", "web"))))
                .isInstanceOfSatisfying(
                        EndpointRejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(409));

        ipam.failRelease = null;
        assertThat(manager.finishUpstreamDeletions()).isEqualTo(1);
        assertThat(ipam.held).isEmpty();
        assertThat(table.snapshot().ids()).isEmpty();
    }

    @Test
    void aPodRecreatedWithTheSameUidBeforeTheOldTombstoneArrivedIsNotTakenForDeleted() {
        NodeImage shown = new NodeImage(Map.of(), Map.of("shop/web-1", topic("web-1", "u1")), Map.of());
        image = shown;
        manager.create(spec("web-1", "u1", Map.of("app", "web")));
        table.resolveLatest(shown);
        manager.delete("shop", "web-1", "u1");
        // Re-created at once: the topic still shows the deleted incarnation, its tombstone comes next.
        manager.create(spec("web-1", "u1", Map.of("app", "web")));
        table.resolveLatest(shown);

        image = NodeImage.EMPTY;
        table.resolveLatest(image);
        assertThat(table.goneUpstream()).as("the old incarnation's tombstone").isEmpty();
        assertThat(table.registered("shop/web-1")).isPresent();
        image = shown;
        table.resolveLatest(image);
        image = NodeImage.EMPTY;
        table.resolveLatest(image);
        assertThat(table.goneUpstream())
                .as("the new incarnation's tombstone")
                .extracting(LocalEndpoint::uid)
                .containsExactly("u1");
    }

    static dev.tendril.api.v1.Endpoint topic(String pod, String uid) {
        return dev.tendril.api.v1.Endpoint.newBuilder()
                .setNamespace("shop")
                .setPod(pod)
                .setUid(uid)
                .setNode(NODE)
                .setIpv4("10.0.1.9")
                .setIdentity(1000)
                .build();
    }

    @Test
    void aFailedMapWriteUndoesEverythingInReverseOrder() {
        failMaps = new IllegalStateException("cilium_policy_v2_1: E2BIG");

        assertThatThrownBy(() -> manager.create(spec("web-1", "u1", Map.of("app", "web"))))
                .isInstanceOfSatisfying(
                        UpstreamException.class, e -> assertThat(e.status()).isEqualTo(503));

        assertThat(calls)
                .containsExactly(
                        "ipam.allocate shop/web-1 u1",
                        "identity.register shop/web-1",
                        "maps.install shop/web-1",
                        "maps.uninstall shop/web-1",
                        "identity.deregister shop/web-1",
                        "ipam.release u1");
        assertThat(ipam.held).isEmpty();
        assertThat(identity.endpoints).isEmpty();
        assertThat(policyMaps()).isEmpty();
        assertThat(table.registered("shop/web-1")).isEmpty();

        failMaps = null;
        calls.clear();
        assertThat(manager.create(spec("web-1", "u1", Map.of("app", "web")))
                        .endpoint()
                        .endpointId())
                .isEqualTo(1);
    }

    @Test
    void aPodThatCannotBeWiredUndoesEverythingInReverseOrder() {
        failAttach = new IllegalArgumentException("ip netns add: File exists");

        assertThatThrownBy(() -> manager.create(spec("web-1", "u1", Map.of("app", "web"))))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.getMessage()).isEqualTo("pod network: ip netns add: File exists");
                });

        assertThat(calls)
                .containsExactly(
                        "ipam.allocate shop/web-1 u1",
                        "identity.register shop/web-1",
                        "maps.install shop/web-1",
                        "pods.attach shop/web-1",
                        "pods.detach shop/web-1",
                        "maps.uninstall shop/web-1",
                        "identity.deregister shop/web-1",
                        "ipam.release u1");
        assertThat(wired).isEmpty();
        assertThat(ipam.held).isEmpty();
        assertThat(identity.endpoints).isEmpty();
        assertThat(policyMaps()).isEmpty();
        assertThat(table.registered("shop/web-1")).isEmpty();
        assertThat(table.snapshot().ids()).isEmpty();
    }

    @Test
    void aPodThatCannotBeUnwiredKeepsTheEndpointDeletingAndARetryFinishesIt() {
        manager.create(spec("web-1", "u1", Map.of("app", "web")));
        failDetach = new IllegalStateException("ip netns del: Device or resource busy");
        calls.clear();

        assertThatThrownBy(() -> manager.delete("shop", "web-1", "u1"))
                .isInstanceOfSatisfying(
                        UpstreamException.class, e -> assertThat(e.status()).isEqualTo(503));
        assertThat(calls).containsExactly("pods.detach shop/web-1");
        assertThat(table.isDeleting("shop/web-1")).isTrue();
        assertThat(ipam.held).containsOnlyKeys("u1");

        failDetach = null;
        manager.delete("shop", "web-1", "u1");
        assertThat(wired).isEmpty();
        assertThat(ipam.held).isEmpty();
        assertThat(table.registered("shop/web-1")).isEmpty();
    }

    @Test
    void aFailedAddressAllocationChangesNothing() {
        ipam.failAllocate = new UpstreamException(503, null, "IPAM: UNAVAILABLE", null);

        assertThatThrownBy(() -> manager.create(spec("web-1", "u1", Map.of()))).isSameAs(ipam.failAllocate);
        assertThat(calls).containsExactly("ipam.allocate shop/web-1 u1");
        assertThat(table.snapshot().ids()).isEmpty();
        assertThat(backend.names()).isEmpty();
    }

    /**
     * The agent was killed after the identity registration and before it saved the endpoint (the DEL drill
     * found the pod left at the identity service): the kubelet, which got no answer, deletes the pod, and the
     * restarted agent must clean up IPAM and the identity service although its table never recorded the pod.
     */
    @Test
    void aDeleteAfterARestartCleansUpACreationTheAgentDidNotRecord() {
        LocalEndpointTable beforeTheKill = new LocalEndpointTable(NODE, LocalEndpointTable.Snapshot.EMPTY);
        beforeTheKill.reserveId("u9");
        List<String> ips = ipam.allocatePodIps(NODE, "shop/web-9", "u9");
        identity.registerEndpoint(dev.tendril.api.v1.RegisterEndpointRequest.newBuilder()
                .setNamespace("shop")
                .setPod("web-9")
                .setUid("u9")
                .setNode(NODE)
                .addAllIps(ips)
                .putLabels("app", "web")
                .build());
        LocalEndpointTable restarted = new LocalEndpointTable(NODE, beforeTheKill.snapshot());
        EndpointManager afterTheKill = new EndpointManager(NODE, restarted, ipam, identity, maps, () -> persisted++);
        calls.clear();

        assertThatThrownBy(() -> afterTheKill.delete("shop", "web-9", "u8"))
                .as("another incarnation")
                .isInstanceOfSatisfying(
                        EndpointRejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> afterTheKill.delete("shop", "web-9", null))
                .as("no uid: nothing to prove ownership")
                .isInstanceOfSatisfying(
                        EndpointRejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(404));
        assertThat(calls).isEmpty();

        LocalEndpoint gone = afterTheKill.delete("shop", "web-9", "u9");

        assertThat(gone.uid()).isEqualTo("u9");
        assertThat(calls).containsExactly("identity.deregister shop/web-9", "ipam.release u9");
        assertThat(identity.endpoints).isEmpty();
        assertThat(ipam.held).isEmpty();
        assertThat(restarted.snapshot().ids())
                .as("the reserved endpoint id is free")
                .isEmpty();
        assertThatThrownBy(() -> afterTheKill.delete("shop", "web-9", "u9"))
                .as("a repeated DEL")
                .isInstanceOfSatisfying(
                        EndpointRejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void aDeleteRemovesAPodTheTopicShowsOnThisNodeWithThatUidOnly() {
        List<String> ips = ipam.allocatePodIps(NODE, "shop/web-9", "u9");
        identity.registerEndpoint(dev.tendril.api.v1.RegisterEndpointRequest.newBuilder()
                .setNamespace("shop")
                .setPod("web-9")
                .setUid("u9")
                .setNode(NODE)
                .addAllIps(ips)
                .putLabels("app", "web")
                .build());
        image = new NodeImage(Map.of(), Map.of("shop/web-9", topic("web-9", "u9")), Map.of());
        table.resolveLatest(image);
        calls.clear();

        assertThatThrownBy(() -> manager.delete("shop", "web-9", "u8"))
                .isInstanceOfSatisfying(
                        EndpointRejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(404));
        assertThat(calls).isEmpty();

        LocalEndpoint gone = manager.delete("shop", "web-9", "u9");

        assertThat(gone.ipv4()).isEqualTo("10.0.1.9");
        assertThat(calls)
                .containsExactly("maps.uninstall shop/web-9", "identity.deregister shop/web-9", "ipam.release u9");
        assertThat(identity.endpoints).isEmpty();
        assertThat(ipam.held).isEmpty();
        assertThat(table.resolve(image))
                .as("not served while the topic still shows it")
                .isEmpty();
        assertThat(table.resolve(NodeImage.EMPTY)).isEmpty();
        assertThat(table.snapshot().deletedUids())
                .as("forgotten once the topic dropped it")
                .isEmpty();
    }

    @Test
    void deleteUndoesInReverseOrderAndRefusesUnknownPodsAndStaleUids() {
        manager.create(spec("web-1", "u1", Map.of("app", "web")));
        calls.clear();

        assertThatThrownBy(() -> manager.delete("shop", "nope", "u1"))
                .isInstanceOfSatisfying(
                        EndpointRejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> manager.delete("shop", "web-1", "u0"))
                .isInstanceOfSatisfying(
                        EndpointRejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(409));
        assertThat(calls).isEmpty();

        LocalEndpoint gone = manager.delete("shop", "web-1", "u1");

        assertThat(gone.uid()).isEqualTo("u1");
        assertThat(calls)
                .containsExactly(
                        "pods.detach shop/web-1",
                        "maps.uninstall shop/web-1",
                        "identity.deregister shop/web-1",
                        "ipam.release u1");
        assertThat(wired).isEmpty();
        assertThat(policyMaps()).isEmpty();
        assertThat(backend.open(EndpointsMap.NAME).orElseThrow().size()).isZero();
        assertThat(ipam.held).isEmpty();
        assertThat(table.snapshot().ids()).isEmpty();
        assertThatThrownBy(() -> manager.delete("shop", "web-1", "u1"))
                .isInstanceOfSatisfying(
                        EndpointRejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void aDeleteThatFailsHalfWayKeepsTheEndpointDeletingAndARetryFinishesIt() {
        manager.create(spec("web-1", "u1", Map.of("app", "web")));
        identity.failDeregister = new UpstreamException(503, null, "identity service: UNAVAILABLE", null);

        assertThatThrownBy(() -> manager.delete("shop", "web-1", "u1")).isSameAs(identity.failDeregister);
        // The map is gone at once and stays gone; a new ADD of the pod waits for the delete.
        assertThat(policyMaps()).isEmpty();
        assertThat(table.isDeleting("shop/web-1")).isTrue();
        assertThatThrownBy(() -> manager.create(spec("web-1", "u1", Map.of("app", "web"))))
                .isInstanceOfSatisfying(
                        EndpointRejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(409));

        identity.failDeregister = null;
        manager.delete("shop", "web-1", "u1");
        assertThat(ipam.held).isEmpty();
        assertThat(identity.endpoints).isEmpty();
        assertThat(table.registered("shop/web-1")).isEmpty();
    }

    @Test
    void rejectsInvalidRequestsNamingTheField() {
        record Case(String field, Runnable build) {}
        List<Case> cases = List.of(
                new Case("namespace", () -> new EndpointSpec("", "p", "u", Map.of(), null, null)),
                new Case("namespace", () -> new EndpointSpec("Shop", "p", "u", Map.of(), null, null)),
                new Case("pod", () -> new EndpointSpec("shop", null, "u", Map.of(), null, null)),
                new Case("uid", () -> new EndpointSpec("shop", "p", " ", Map.of(), null, null)),
                new Case(
                        "namedPorts",
                        () -> new EndpointSpec(
                                "shop",
                                "p",
                                "u",
                                Map.of(),
                                null,
                                List.of(new EndpointSpec.NamedPort("http", 70000, "TCP")))),
                new Case(
                        "namedPorts",
                        () -> new EndpointSpec(
                                "shop",
                                "p",
                                "u",
                                Map.of(),
                                null,
                                List.of(new EndpointSpec.NamedPort("http", 80, "ICMP")))),
                new Case(
                        "namedPorts",
                        () -> new EndpointSpec(
                                "shop",
                                "p",
                                "u",
                                Map.of(),
                                null,
                                List.of(new EndpointSpec.NamedPort("HTTP_1", 80, "TCP")))),
                new Case(
                        "namedPorts",
                        () -> new EndpointSpec(
                                "shop",
                                "p",
                                "u",
                                Map.of(),
                                null,
                                List.of(
                                        new EndpointSpec.NamedPort("http", 80, "TCP"),
                                        new EndpointSpec.NamedPort("http", 81, "TCP")))),
                new Case("namespace", () -> new EndpointSpec("a".repeat(64), "p", "u", Map.of(), null, null)),
                new Case("pod", () -> new EndpointSpec("shop", "web..1", "u", Map.of(), null, null)),
                new Case("pod", () -> new EndpointSpec("shop", "web.-1", "u", Map.of(), null, null)),
                new Case("pod", () -> new EndpointSpec("shop", "a".repeat(254), "u", Map.of(), null, null)),
                new Case("uid", () -> new EndpointSpec("shop", "p", "u".repeat(129), Map.of(), null, null)),
                new Case("uid", () -> new EndpointSpec("shop", "p", "<script>", Map.of(), null, null)),
                new Case("uid", () -> new EndpointSpec("shop", "p", "u\u0001", Map.of(), null, null)),
                new Case("labels", () -> new EndpointSpec("shop", "p", "u", Map.of("app/", "web"), null, null)),
                new Case("labels", () -> new EndpointSpec("shop", "p", "u", Map.of("/app", "web"), null, null)),
                new Case(
                        "labels",
                        () -> new EndpointSpec("shop", "p", "u", Map.of("Example.com/app", "web"), null, null)),
                new Case("labels", () -> new EndpointSpec("shop", "p", "u", Map.of("a".repeat(64), "web"), null, null)),
                new Case("labels", () -> new EndpointSpec("shop", "p", "u", Map.of("-app", "web"), null, null)),
                new Case("labels", () -> new EndpointSpec("shop", "p", "u", Map.of("app", "web!"), null, null)),
                new Case("labels", () -> new EndpointSpec("shop", "p", "u", Map.of("app", "w".repeat(64)), null, null)),
                new Case("labels", () -> new EndpointSpec("shop", "p", "u", Map.of("app", "-web"), null, null)),
                new Case("labels", () -> new EndpointSpec("shop", "p", "u", Map.of("app", "<b>"), null, null)),
                new Case(
                        "labels",
                        () -> new EndpointSpec(
                                "shop",
                                "p",
                                "u",
                                java.util.stream.IntStream.range(0, 65)
                                        .boxed()
                                        .collect(java.util.stream.Collectors.toMap(i -> "k" + i, i -> "v")),
                                null,
                                null)),
                new Case("serviceAccount", () -> new EndpointSpec("shop", "p", "u", Map.of(), "Web_SA", null)));
        for (Case c : cases) {
            assertThatThrownBy(c.build::run)
                    .as(c.field() + " case " + cases.indexOf(c))
                    .isInstanceOfSatisfying(EndpointRejectedException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.field()).isEqualTo(c.field());
                    });
        }
        // What Kubernetes accepts is accepted.
        new EndpointSpec(
                "shop",
                "web-1.v2",
                "6f1c2d3e-0000-4000-8000-000000000001",
                Map.of(
                        "app.kubernetes.io/name",
                        "web",
                        "tier",
                        "",
                        "a".repeat(63),
                        "V_1.x-2",
                        "example.com/" + "b".repeat(63),
                        "x"),
                "web.sa",
                List.of(new EndpointSpec.NamedPort("http-alt", 8080, "tcp")));
    }
}
