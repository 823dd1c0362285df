package dev.tendril.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.lb.LbBackendKey;
import dev.tendril.datapath.lb.LbBackendValue;
import dev.tendril.datapath.lb.LbFlags;
import dev.tendril.datapath.lb.LbMaps;
import dev.tendril.datapath.lb.LbRevNatKey;
import dev.tendril.datapath.lb.LbRevNatValue;
import dev.tendril.datapath.lb.LbServiceKey;
import dev.tendril.datapath.lb.LbServiceValue;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node's map writer ({@link NodeMapsReconciler} over a {@link MapBackend}) against one backend;
 * run for the in-memory maps and for bpf(2) maps pinned in a bpffs directory.
 */
public abstract class NodeMapsContractTest {

    static final String NODE = "node-1";
    static final PolicyMapKey ALLOW_80 = PolicyMapKey.of(1002, Direction.INGRESS, IpProtocol.TCP, 80);
    static final PolicyMapKey ALLOW_443 = PolicyMapKey.of(1002, Direction.INGRESS, IpProtocol.TCP, 443);
    static final PolicyMapKey EGRESS_ANY = PolicyMapKey.anyProtocol(0, Direction.EGRESS);

    /** A new backend with no maps. */
    protected abstract MapBackend newBackend();

    /** The backend an agent restarted over {@code previous}'s maps would see (previous is closed). */
    protected abstract MapBackend restart(MapBackend previous);

    private MapBackend backend;

    @AfterEach
    void cleanUp() {
        if (backend != null) {
            backend.names().forEach(backend::delete);
            backend.close();
        }
    }

    private MapBackend backend() {
        backend = newBackend();
        return backend;
    }

    static SubjectPolicyMap policy(long subject, long revision, PolicyMapKey... keys) {
        SubjectPolicyMap.Builder b =
                SubjectPolicyMap.newBuilder().setSubject((int) subject).setRevision(revision);
        for (PolicyMapKey k : keys) {
            b.addEntries(PolicyMapEntry.newBuilder()
                    .setKey(ByteString.copyFrom(k.encode()))
                    .setValue(ByteString.copyFrom(PolicyMapValue.allow(k).encode()))
                    .addPolicies("NetworkPolicy/shop/p"));
        }
        return b.build();
    }

    static Endpoint endpoint(String pod, String uid, String node, String ipv4, String ipv6, int identity) {
        return Endpoint.newBuilder()
                .setNamespace("shop")
                .setPod(pod)
                .setUid(uid)
                .setNode(node)
                .setIpv4(ipv4)
                .setIpv6(ipv6)
                .setIdentity(identity)
                .build();
    }

    static NodeImage image(Map<String, Endpoint> endpoints, Map<Long, SubjectPolicyMap> policies) {
        Identity cidr = Identity.newBuilder()
                .setId(16777217)
                .addLabels(Label.newBuilder().setSource("cidr").setKey("10.0.0.0/8"))
                .addLabels(Label.newBuilder().setSource("cidr").setKey("10.128.0.0/9"))
                .addLabels(Label.newBuilder().setSource("reserved").setKey("world"))
                .build();
        Identity cidr6 = Identity.newBuilder()
                .setId(16777218)
                .addLabels(Label.newBuilder().setSource("cidr").setKey("2001-db8--/32"))
                .build();
        return new NodeImage(Map.of(16777217L, cidr, 16777218L, cidr6), endpoints, Map.of(), policies);
    }

    static final Endpoint WEB = endpoint("web-1", "u-web", NODE, "10.0.1.5", "fd00::105", 1001);
    static final Endpoint API = endpoint("api-1", "u-api", NODE, "10.0.1.6", "", 1002);
    static final Endpoint REMOTE = endpoint("db-1", "u-db", "node-2", "10.0.2.7", "", 1001);

    static Map<PolicyMapKey, PolicyMapValue> policyOf(MapBackend b, String name) {
        return new PolicyMap(b.open(name).orElseThrow()).entries();
    }

    static Map<EndpointsMap.Key, EndpointsMap.Value> endpointsOf(MapBackend b) {
        BpfMap map = b.open(EndpointsMap.NAME).orElseThrow();
        Map<EndpointsMap.Key, EndpointsMap.Value> out = new java.util.HashMap<>();
        map.entries().forEach(e -> out.put(EndpointsMap.Key.decode(e.key()), EndpointsMap.Value.decode(e.value())));
        return out;
    }

    @Test
    void writesIpcacheWithCidrIdentitiesEndpointsMapAndOnePolicyMapPerLocalEndpoint() {
        MapBackend b = backend();
        LocalEndpointTable table = new LocalEndpointTable(NODE, LocalEndpointTable.Snapshot.EMPTY);
        NodeImage img = image(
                Map.of("shop/web-1", WEB, "shop/api-1", API, "shop/db-1", REMOTE),
                Map.of(1001L, policy(1001, 1, ALLOW_80, EGRESS_ANY)));
        List<LocalEndpoint> locals = table.resolve(img);
        // Ids go out in the image's map order, which Map.of salts per JVM: either pod may get 1.
        assertThat(locals).extracting(LocalEndpoint::pod).containsExactlyInAnyOrder("web-1", "api-1");
        assertThat(locals).extracting(LocalEndpoint::endpointId).containsExactlyInAnyOrder(1, 2);
        int webId = locals.stream()
                .filter(e -> e.pod().equals("web-1"))
                .findFirst()
                .orElseThrow()
                .endpointId();
        int apiId = 3 - webId;

        NodeMapsReconciler.Outcome out = NodeMapsReconciler.reconcile(b, img, NODE, locals);

        assertThat(out.problems()).isEmpty();
        assertThat(out.created()).containsExactlyInAnyOrder("cilium_policy_v2_" + webId, "cilium_policy_v2_" + apiId);
        assertThat(policyOf(b, "cilium_policy_v2_" + webId))
                .isEqualTo(
                        Map.of(ALLOW_80, PolicyMapValue.allow(ALLOW_80), EGRESS_ANY, PolicyMapValue.allow(EGRESS_ANY)));
        // api's identity has no published map yet: an empty map, everything dropped.
        assertThat(policyOf(b, "cilium_policy_v2_" + apiId)).isEmpty();
        assertThat(endpointsOf(b))
                .isEqualTo(Map.of(
                        EndpointsMap.Key.of("10.0.1.5"), new EndpointsMap.Value(webId, 1001),
                        EndpointsMap.Key.of("fd00::105"), new EndpointsMap.Value(webId, 1001),
                        EndpointsMap.Key.of("10.0.1.6"), new EndpointsMap.Value(apiId, 1002)));
        Map<IpcacheKey, IpcacheValue> ipcache =
                new Ipcache(b.open(NodeMapsReconciler.IPCACHE_MAP).orElseThrow()).entries();
        assertThat(ipcache)
                .containsEntry(IpcacheKey.ofCidr("10.128.0.0/9"), IpcacheValue.of(16777217))
                .containsEntry(IpcacheKey.ofCidr("2001:db8::/32"), IpcacheValue.of(16777218))
                .containsEntry(IpcacheKey.ofCidr("10.0.2.7/32"), IpcacheValue.of(1001))
                .doesNotContainKey(IpcacheKey.ofCidr("10.0.0.0/8"));
        assertThat(NodeMapsReconciler.reconcile(b, img, NODE, locals).total()).isZero();
    }

    @Test
    void aPolicyMapThatWouldOverflowIsReportedFull() {
        MapBackend b = backend();
        LocalEndpointTable table = new LocalEndpointTable(NODE, LocalEndpointTable.Snapshot.EMPTY);
        PolicyMapKey[] keys = new PolicyMapKey[dev.tendril.datapath.policymap.PolicyMap.DEFAULT_MAX_ENTRIES + 1];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = PolicyMapKey.of(2000 + i / 1000, Direction.INGRESS, IpProtocol.TCP, 1 + i % 1000);
        }
        NodeImage img = image(Map.of("shop/web-1", WEB), Map.of(1001L, policy(1001, 1, keys)));

        NodeMapsReconciler.Outcome out = NodeMapsReconciler.reconcile(b, img, NODE, table.resolve(img));

        assertThat(out.fullMaps()).containsExactly(NodeMapsReconciler.POLICY_MAPS);
        assertThat(out.problems()).singleElement().asString().startsWith("cilium_policy_v2_");
        assertThat(out.changes().get(NodeMapsReconciler.IPCACHE_MAP).total()).isPositive();
    }

    @Test
    void policyChangesUpdateTheMapAndAGoneEndpointLosesItsMap() {
        MapBackend b = backend();
        LocalEndpointTable table = new LocalEndpointTable(NODE, LocalEndpointTable.Snapshot.EMPTY);
        NodeImage img = image(
                Map.of("shop/web-1", WEB, "shop/api-1", API),
                Map.of(1001L, policy(1001, 1, ALLOW_80), 1002L, policy(1002, 1, EGRESS_ANY)));
        NodeMapsReconciler.reconcile(b, img, NODE, table.resolve(img));
        int webId = table.resolve(img).stream()
                .filter(e -> e.pod().equals("web-1"))
                .findFirst()
                .orElseThrow()
                .endpointId();
        String web = "cilium_policy_v2_" + webId;

        NodeDelta d = new NodeDelta(img);
        d.replay(StateTopic.POLICY, "1001", policy(1001, 2, ALLOW_443).toByteArray());
        d.replay(StateTopic.POLICY, "1001", policy(1001, 1, ALLOW_80).toByteArray()); // stale, ignored
        d.replay(StateTopic.ENDPOINTS, "shop/api-1", null);
        NodeImage next = d.apply();
        NodeMapsReconciler.Outcome out = NodeMapsReconciler.reconcile(b, next, NODE, table.resolve(next));

        assertThat(policyOf(b, web)).isEqualTo(Map.of(ALLOW_443, PolicyMapValue.allow(ALLOW_443)));
        assertThat(out.changes().get(NodeMapsReconciler.POLICY_MAPS)).isEqualTo(new MapReconciler.Result(1, 0, 1));
        assertThat(out.deleted()).hasSize(1);
        assertThat(b.names()).containsExactlyInAnyOrder(NodeMapsReconciler.IPCACHE_MAP, EndpointsMap.NAME, web);
        assertThat(endpointsOf(b)).containsOnlyKeys(EndpointsMap.Key.of("10.0.1.5"), EndpointsMap.Key.of("fd00::105"));

        // The subject's map is withdrawn (tombstone): the endpoint's map stays as it is.
        NodeDelta gone = new NodeDelta(next);
        gone.replay(StateTopic.POLICY, "1001", null);
        NodeImage last = gone.apply();
        NodeMapsReconciler.reconcile(b, last, NODE, table.resolve(last));
        assertThat(policyOf(b, web)).isEqualTo(Map.of(ALLOW_443, PolicyMapValue.allow(ALLOW_443)));
    }

    @Test
    void restartOverExistingMapsReconcilesToAZeroDiffWithoutEmptyingThem() {
        MapBackend b = backend();
        LocalEndpointTable table = new LocalEndpointTable(NODE, LocalEndpointTable.Snapshot.EMPTY);
        NodeImage img = image(
                Map.of("shop/web-1", WEB, "shop/api-1", API),
                Map.of(1001L, policy(1001, 1, ALLOW_80, EGRESS_ANY), 1002L, policy(1002, 3, ALLOW_443)));
        NodeMapsReconciler.reconcile(b, img, NODE, table.resolve(img));
        LocalEndpointTable.Snapshot persisted = table.snapshot();

        backend = restart(b);
        LocalEndpointTable restored = new LocalEndpointTable(NODE, persisted);
        String web = "cilium_policy_v2_"
                + restored.resolve(img).stream()
                        .filter(e -> e.pod().equals("web-1"))
                        .findFirst()
                        .orElseThrow()
                        .endpointId();
        // Before any reconcile the restarted agent's maps still hold the last content.
        assertThat(policyOf(backend, web)).hasSize(2);

        NodeMapsReconciler.Outcome out = NodeMapsReconciler.reconcile(backend, img, NODE, restored.resolve(img));
        assertThat(out.total()).isZero();
        assertThat(out.created()).isEmpty();
        assertThat(out.deleted()).isEmpty();
        assertThat(policyOf(backend, web)).hasSize(2);
    }

    static LbBackend lbBackend(int id, String address, String node) {
        return LbBackend.newBuilder()
                .setId(id)
                .setAddress(address)
                .setPort(8080)
                .setProtocol(IpProtocol.TCP)
                .setNode(node)
                .setPod("shop/pod-" + id)
                .build();
    }

    static LbFrontend lbFrontend(String address, int port, int revNat, int flags, boolean nodeLocal, int... ids) {
        LbFrontend.Builder f = LbFrontend.newBuilder()
                .setAddress(address)
                .setPort(port)
                .setProtocol(IpProtocol.TCP)
                .setRevNatIndex(revNat)
                .setFlags(flags)
                .setNodeLocal(nodeLocal);
        for (int id : ids) {
            f.addBackendIds(id);
        }
        return f.build();
    }

    /** backend 1 on this node, 2 on node-2: shared by both Services. */
    static final ServiceMaps SVC_A = ServiceMaps.newBuilder()
            .setNamespace("shop")
            .setName("a")
            .setRevision(1)
            .setType("ClusterIP")
            .addFrontends(lbFrontend("10.96.0.10", 80, 1, 0, false, 1, 2))
            .addBackends(lbBackend(1, "10.0.1.5", NODE))
            .addBackends(lbBackend(2, "10.0.2.7", "node-2"))
            .build();

    /** A NodePort whose node-local surrogate keeps only backend 3 here; an IPv6 ClusterIP too. */
    static final ServiceMaps SVC_B = ServiceMaps.newBuilder()
            .setNamespace("shop")
            .setName("b")
            .setRevision(1)
            .setType("NodePort")
            .addFrontends(lbFrontend("10.96.0.11", 80, 2, 0, false, 2, 3))
            .addFrontends(lbFrontend("0.0.0.0", 30080, 3, LbFlags.NODEPORT | LbFlags.EXT_LOCAL_SCOPE, true, 2, 3))
            .addFrontends(lbFrontend("fd00:10:96::b", 80, 4, 0, false, 4))
            .addBackends(lbBackend(2, "10.0.2.7", "node-2"))
            .addBackends(lbBackend(3, "10.0.1.6", NODE))
            .addBackends(lbBackend(4, "fd00::106", NODE))
            .build();

    static NodeImage withServices(ServiceMaps... services) {
        Map<String, ServiceMaps> byKey = new java.util.HashMap<>();
        for (ServiceMaps s : services) {
            byKey.put(s.getNamespace() + "/" + s.getName(), s);
        }
        return new NodeImage(Map.of(), Map.of(), Map.of(), Map.of(), byKey);
    }

    static Map<LbServiceKey, LbServiceValue> servicesOf(MapBackend b, boolean v6) {
        Map<LbServiceKey, LbServiceValue> out = new java.util.HashMap<>();
        b.open(LbMaps.services(v6).name())
                .orElseThrow()
                .entries()
                .forEach(e -> out.put(LbServiceKey.decode(e.key()), LbServiceValue.decode(e.value())));
        return out;
    }

    static Map<Long, LbBackendValue> backendsOf(MapBackend b, boolean v6) {
        Map<Long, LbBackendValue> out = new java.util.HashMap<>();
        b.open(LbMaps.backends(v6).name())
                .orElseThrow()
                .entries()
                .forEach(e -> out.put(LbBackendKey.decode(e.key()).backendId(), LbBackendValue.decode(e.value())));
        return out;
    }

    static InetAddress ip(String literal) {
        return LbDesired.address(literal);
    }

    @Test
    void writesLbMapsWithSharedBackendsOnceAndNodeLocalFrontendsOnlyWithLocalBackends() {
        MapBackend b = backend();
        NodeMapsReconciler.Outcome out = NodeMapsReconciler.reconcile(b, withServices(SVC_A, SVC_B), NODE, List.of());

        assertThat(out.problems()).isEmpty();
        LbServiceKey a = LbServiceKey.master(ip("10.96.0.10"), 80, IpProtocol.TCP);
        LbServiceKey nodePort = LbServiceKey.master(ip("0.0.0.0"), 30080, IpProtocol.TCP);
        Map<LbServiceKey, LbServiceValue> v4 = servicesOf(b, false);
        assertThat(v4).hasSize(3 + 3 + 2);
        assertThat(v4.get(a)).isEqualTo(LbServiceValue.master(0, 2, 1, 0, 0));
        assertThat(v4.get(a.withSlot(1))).isEqualTo(LbServiceValue.slot(1, 1, 0, 0));
        assertThat(v4.get(a.withSlot(2))).isEqualTo(LbServiceValue.slot(2, 1, 0, 0));
        int npFlags = LbFlags.NODEPORT | LbFlags.EXT_LOCAL_SCOPE;
        assertThat(v4.get(nodePort)).isEqualTo(LbServiceValue.master(0, 1, 3, npFlags, 0));
        assertThat(v4.get(nodePort.withSlot(1))).isEqualTo(LbServiceValue.slot(3, 3, npFlags, 0));
        assertThat(backendsOf(b, false))
                .isEqualTo(Map.of(
                        1L, LbBackendValue.of(ip("10.0.1.5"), 8080, 6),
                        2L, LbBackendValue.of(ip("10.0.2.7"), 8080, 6),
                        3L, LbBackendValue.of(ip("10.0.1.6"), 8080, 6)));
        assertThat(LbRevNatValue.decode(b.open(LbMaps.REVERSE_NAT_V4.name())
                        .orElseThrow()
                        .lookup(new LbRevNatKey(3).encode())
                        .orElseThrow()))
                .isEqualTo(new LbRevNatValue(ip("0.0.0.0"), 30080));
        assertThat(b.open(LbMaps.REVERSE_NAT_V4.name()).orElseThrow().size()).isEqualTo(3);
        assertThat(servicesOf(b, true)).hasSize(2);
        assertThat(backendsOf(b, true)).containsOnlyKeys(4L);
        assertThat(b.open(LbMaps.REVERSE_NAT_V6.name()).orElseThrow().size()).isEqualTo(1);

        assertThat(NodeMapsReconciler.reconcile(b, withServices(SVC_A, SVC_B), NODE, List.of())
                        .total())
                .isZero();
    }

    /**
     * A global Service (ClusterMesh): backend 5 is this node's, 6 a peer's (west, cluster id 2) on the peer's node of
     * the same name; the ClusterIP frontend has both, the node-local NodePort surrogate only this node's.
     */
    static final ServiceMaps SVC_GLOBAL = ServiceMaps.newBuilder()
            .setNamespace("shop")
            .setName("global")
            .setRevision(1)
            .setType("NodePort")
            .setGlobal(true)
            .setShared(true)
            .addFrontends(lbFrontend("10.96.0.12", 80, 5, 0, false, 5, 6))
            .addFrontends(lbFrontend("0.0.0.0", 30081, 6, LbFlags.NODEPORT | LbFlags.EXT_LOCAL_SCOPE, true, 5, 6))
            .addBackends(lbBackend(5, "10.0.1.8", NODE))
            .addBackends(lbBackend(6, "10.2.1.8", NODE).toBuilder()
                    .setCluster("west")
                    .setClusterId(2)
                    .setPod("shop/pod-west"))
            .build();

    @Test
    void aPeersBackendReachesTheLbMapsWithItsClusterIdAndIsNeverThisNodesBackend() {
        MapBackend b = backend();
        NodeMapsWriter writer = new NodeMapsWriter(b, NODE);
        NodeImage img = withServices(SVC_GLOBAL);
        writer.snapshot(img, List.of());

        LbServiceKey clusterIp = LbServiceKey.master(ip("10.96.0.12"), 80, IpProtocol.TCP);
        LbServiceKey nodePort = LbServiceKey.master(ip("0.0.0.0"), 30081, IpProtocol.TCP);
        Map<LbServiceKey, LbServiceValue> v4 = servicesOf(b, false);
        assertThat(v4.get(clusterIp).count()).isEqualTo(2);
        assertThat(v4.get(clusterIp.withSlot(2)).backendId()).isEqualTo(6);
        assertThat(v4.get(nodePort).count()).isEqualTo(1);
        assertThat(v4.get(nodePort.withSlot(1)).backendId()).isEqualTo(5);
        assertThat(backendsOf(b, false))
                .isEqualTo(Map.of(
                        5L,
                        LbBackendValue.of(ip("10.0.1.8"), 8080, 6),
                        6L,
                        new LbBackendValue(ip("10.2.1.8"), 8080, 6, LbFlags.BACKEND_ACTIVE, 2, 0)));

        // The peer is disconnected: the policy service publishes the Service without its backend.
        NodeDelta d = new NodeDelta(img);
        d.replay(
                StateTopic.SERVICES,
                "shop/global",
                SVC_GLOBAL.toBuilder()
                        .setRevision(2)
                        .removeBackends(1)
                        .setFrontends(0, lbFrontend("10.96.0.12", 80, 5, 0, false, 5))
                        .build()
                        .toByteArray());
        NodeImage next = d.apply();
        writer.publish(d, next, List.of());

        assertThat(servicesOf(b, false).get(clusterIp).count()).isEqualTo(1);
        assertThat(servicesOf(b, false)).doesNotContainKey(clusterIp.withSlot(2));
        assertThat(backendsOf(b, false)).containsOnlyKeys(5L);
    }

    @Test
    void aDeletedServiceTakesItsEntriesAndTheBackendsNoFrontendNamesAnyMore() {
        MapBackend b = backend();
        NodeMapsWriter writer = new NodeMapsWriter(b, NODE);
        NodeImage img = withServices(SVC_A, SVC_B);
        writer.snapshot(img, List.of());

        NodeDelta d = new NodeDelta(img);
        d.replay(StateTopic.SERVICES, "shop/a", null);
        d.replay(
                StateTopic.SERVICES,
                "shop/b",
                SVC_B.toBuilder().setRevision(0).build().toByteArray()); // stale
        NodeImage next = d.apply();
        NodeMapsReconciler.Outcome out = writer.publish(d, next, List.of());

        assertThat(out.changes().get(NodeMapsWriter.LB_MAPS)).isEqualTo(new MapReconciler.Result(0, 0, 3 + 1 + 1));
        assertThat(servicesOf(b, false)).doesNotContainKey(LbServiceKey.master(ip("10.96.0.10"), 80, 6));
        assertThat(backendsOf(b, false)).containsOnlyKeys(2L, 3L);
        assertThat(writer.lbEntries()).isEqualTo(5 + 2 + 2 + 2 + 1 + 1);
        assertThat(NodeMapsReconciler.reconcile(b, next, NODE, List.of()).total())
                .isZero();
    }

    @Test
    void aRestartedAgentRemovesTheEntriesOfServicesDeletedWhileItWasDown() {
        MapBackend b = backend();
        NodeMapsReconciler.reconcile(b, withServices(SVC_A, SVC_B), NODE, List.of());
        backend = restart(b);
        assertThat(backendsOf(backend, false)).hasSize(3);

        NodeMapsReconciler.Outcome out = NodeMapsReconciler.reconcile(backend, withServices(SVC_B), NODE, List.of());

        assertThat(out.changes().get(NodeMapsWriter.LB_MAPS).removed()).isEqualTo(3 + 1 + 1);
        assertThat(backendsOf(backend, false)).containsOnlyKeys(2L, 3L);
        assertThat(NodeMapsReconciler.reconcile(backend, withServices(SVC_B), NODE, List.of())
                        .total())
                .isZero();
    }

    @Test
    void randomServiceChurnWrittenBatchByBatchLeavesTheLbMapsAsTheContentFromScratch() {
        MapBackend b = backend();
        NodeMapsWriter writer = new NodeMapsWriter(b, NODE);
        NodeImage image = withServices();
        writer.snapshot(image, List.of());
        ServiceChurn churn = new ServiceChurn(new java.util.Random(11), NODE);

        for (int batch = 0; batch < 150; batch++) {
            NodeDelta d = churn.next(image);
            NodeImage next = d.apply();
            writer.publish(d, next, List.of());
            image = next;

            Map<String, Map<ByteBuffer, byte[]>> fromScratch = LbDesired.of(image, NODE, new java.util.ArrayList<>());
            assertThat(ServiceChurn.lbMapsOf(b)).as("batch %d", batch).isEqualTo(ServiceChurn.hex(fromScratch::get));
            assertThat(writer.lbEntries())
                    .isEqualTo(fromScratch.values().stream().mapToInt(Map::size).sum());
        }
        assertThat(NodeMapsReconciler.reconcile(b, image, NODE, List.of())
                        .changes()
                        .get(NodeMapsWriter.LB_MAPS)
                        .total())
                .isZero();
    }
}
