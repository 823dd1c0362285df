package dev.tendril.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.UpdateFlag;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The writer's batches leave the maps exactly as a full pass wants them, without reading a map: random
 * batches of every kind of record (endpoints here and elsewhere coming, going, relabelled and moving,
 * nodes, CIDR identities, policy revisions), each checked against a full pass of a writer that knows
 * nothing.
 */
class NodeMapsWriterTest {

    private static final String NODE = "node-1";

    @Test
    void batchesWriteWhatAFullPassWantsWithoutReadingAMap() {
        ReadCounting backend = new ReadCounting(new InMemoryMapBackend());
        NodeMapsWriter writer = new NodeMapsWriter(backend, NODE);
        LocalEndpointTable table = new LocalEndpointTable(NODE, LocalEndpointTable.Snapshot.EMPTY);
        Random random = new Random(42);
        NodeDelta bootstrap = new NodeDelta(NodeImage.EMPTY);
        for (int i = 0; i < 40; i++) {
            bootstrap.replay(randomRecord(random));
        }
        NodeImage image = bootstrap.apply();
        writer.snapshot(image, table.resolveLatest(image));
        int writesSeen = 0;
        int mapsCreated = 0;
        int mapsDeleted = 0;

        for (int batch = 0; batch < 300; batch++) {
            NodeDelta delta = new NodeDelta(image);
            for (int r = 0, n = 1 + random.nextInt(4); r < n; r++) {
                delta.replay(randomRecord(random));
            }
            image = delta.apply();
            // As the consumer resolves: the same list again while this node's endpoints are unchanged.
            List<LocalEndpoint> locals = table.resolveLatest(image, delta);
            backend.reads.set(0);
            backend.writes.set(0);
            NodeMapsReconciler.Outcome out = writer.publish(delta, image, locals);
            assertThat(out.problems()).isEmpty();
            assertThat(backend.reads).as("map reads of batch %d", batch).hasValue(0);
            writesSeen += backend.writes.get();
            mapsCreated += out.created().size();
            mapsDeleted += out.deleted().size();

            NodeMapsReconciler.Outcome full = NodeMapsReconciler.reconcile(backend, image, NODE, locals);
            assertThat(full.total())
                    .as("entries a full pass corrected after batch %d: %s", batch, full.changes())
                    .isZero();
            assertThat(full.created()).isEmpty();
            assertThat(full.deleted()).isEmpty();
            NodeMapsWriter.Entries entries = writer.entries();
            assertThat(entries.ipcache())
                    .isEqualTo(backend.open(NodeMapsReconciler.IPCACHE_MAP)
                            .orElseThrow()
                            .size());
            assertThat(entries.endpoints())
                    .isEqualTo(backend.open(EndpointsMap.NAME).orElseThrow().size());
            assertThat(entries.policyMaps()).isEqualTo(locals.size());
            assertThat(entries.policy())
                    .isEqualTo(locals.stream()
                            .mapToInt(ep -> backend.open(ep.policyMapName())
                                    .orElseThrow()
                                    .size())
                            .sum());
            if (batch % 10 == 9) {
                // An endpoint API call's pass over the local maps between two batches.
                assertThat(writer.reconcile(image, locals, false).total()).isZero();
            }
        }
        assertThat(writesSeen).as("the batches wrote something").isPositive();
        assertThat(mapsCreated).as("local endpoints came").isPositive();
        assertThat(mapsDeleted).as("local endpoints went").isPositive();
    }

    @Test
    void aDriftCheckDiffedOffTheLockCorrectsDriftButNotWhatABatchWroteMeanwhile() {
        InMemoryMapBackend backend = new InMemoryMapBackend();
        NodeMapsWriter writer = new NodeMapsWriter(backend, NODE);
        LocalEndpointTable table = new LocalEndpointTable(NODE, LocalEndpointTable.Snapshot.EMPTY);
        NodeDelta bootstrap = new NodeDelta(NodeImage.EMPTY);
        for (int i = 1; i <= 3; i++) {
            bootstrap.replay(new StateRecord(
                    StateTopic.ENDPOINTS,
                    "shop/pod-" + i,
                    endpoint(i, "node-2", 1000 + i).toByteArray()));
        }
        NodeImage image = bootstrap.apply();
        writer.snapshot(image, table.resolveLatest(image));
        BpfMap ipcache = backend.open(NodeMapsReconciler.IPCACHE_MAP).orElseThrow();
        // Drift by another writer: pod-1's entry gone, pod-2's and pod-3's changed, a stray entry.
        ipcache.delete(ipcacheKey("10.0.0.1"));
        ipcache.put(ipcacheKey("10.0.0.2"), IpcacheValue.of(4242).encode());
        ipcache.put(ipcacheKey("10.0.0.3"), IpcacheValue.of(4243).encode());
        ipcache.put(ipcacheKey("10.9.9.9"), IpcacheValue.of(4244).encode());

        IpcacheDriftCheck check = writer.beginIpcacheCheck(image);
        // While the check is off the lock, a batch relabels pod-3 and adds pod-4.
        NodeDelta delta = new NodeDelta(image);
        delta.replay(
                StateTopic.ENDPOINTS,
                0,
                10,
                "shop/pod-3",
                endpoint(3, "node-2", 1013).toByteArray());
        delta.replay(
                StateTopic.ENDPOINTS,
                0,
                11,
                "shop/pod-4",
                endpoint(4, "node-2", 1004).toByteArray());
        NodeImage next = delta.apply();
        writer.publish(delta, next, table.resolveLatest(next));
        check.diff();
        NodeMapsReconciler.Outcome out = writer.reconcile(next, table.resolveLatest(next), check);

        assertThat(out.problems()).isEmpty();
        assertThat(out.changes().get(NodeMapsReconciler.IPCACHE_MAP)).isEqualTo(new MapReconciler.Result(1, 1, 1));
        assertThat(identityAt(ipcache, "10.0.0.1")).hasValue(1001L);
        assertThat(identityAt(ipcache, "10.0.0.2")).hasValue(1002L);
        assertThat(identityAt(ipcache, "10.0.0.3"))
                .as("the batch's value, not the check's older one")
                .hasValue(1013L);
        assertThat(identityAt(ipcache, "10.0.0.4")).hasValue(1004L);
        assertThat(ipcache.lookup(ipcacheKey("10.9.9.9"))).isEmpty();
        assertThat(NodeMapsReconciler.reconcile(backend, next, NODE, table.resolveLatest(next))
                        .total())
                .isZero();

        // A whole pass while a check is off the lock makes the check moot: pod-1, deleted meanwhile, stays gone.
        IpcacheDriftCheck late = writer.beginIpcacheCheck(next);
        ipcache.delete(ipcacheKey("10.0.0.1"));
        late.diff();
        NodeDelta removal = new NodeDelta(next);
        removal.replay(StateTopic.ENDPOINTS, 0, 12, "shop/pod-1", null);
        NodeImage last = removal.apply();
        writer.snapshot(last, table.resolveLatest(last));
        assertThat(writer.reconcile(last, table.resolveLatest(last), late)
                        .changes()
                        .get(NodeMapsReconciler.IPCACHE_MAP)
                        .total())
                .isZero();
        assertThat(ipcache.lookup(ipcacheKey("10.0.0.1"))).isEmpty();
        assertThat(writer.beginIpcacheCheck(next))
                .as("no index of an image the writer left")
                .isNull();
    }

    @Test
    void twoDriftChecksAtOnceEachLeaveAloneWhatBatchesWroteSinceTheirOwnStart() {
        InMemoryMapBackend backend = new InMemoryMapBackend();
        NodeMapsWriter writer = new NodeMapsWriter(backend, NODE);
        LocalEndpointTable table = new LocalEndpointTable(NODE, LocalEndpointTable.Snapshot.EMPTY);
        NodeDelta bootstrap = new NodeDelta(NodeImage.EMPTY);
        bootstrap.replay(new StateRecord(
                StateTopic.ENDPOINTS, "shop/pod-1", endpoint(1, "node-2", 1001).toByteArray()));
        NodeImage image = bootstrap.apply();
        writer.snapshot(image, table.resolveLatest(image));
        BpfMap ipcache = backend.open(NodeMapsReconciler.IPCACHE_MAP).orElseThrow();

        // The node state's periodic pass and the pod network's both run a check; a batch comes between their starts.
        IpcacheDriftCheck first = writer.beginIpcacheCheck(image);
        NodeDelta delta = new NodeDelta(image);
        delta.replay(
                StateTopic.ENDPOINTS,
                0,
                10,
                "shop/pod-1",
                endpoint(1, "node-2", 1011).toByteArray());
        NodeImage next = delta.apply();
        writer.publish(delta, next, table.resolveLatest(next));
        IpcacheDriftCheck second = writer.beginIpcacheCheck(next);
        first.diff();
        second.diff();
        writer.reconcile(next, table.resolveLatest(next), first);
        writer.reconcile(next, table.resolveLatest(next), second);

        assertThat(identityAt(ipcache, "10.0.0.1"))
                .as("the batch's value, not the first check's")
                .hasValue(1011L);
    }

    private static byte[] ipcacheKey(String address) {
        return dev.tendril.datapath.ipcache.IpcacheKey.ofCidr(address + "/32").encode();
    }

    private static Optional<Long> identityAt(BpfMap ipcache, String address) {
        return ipcache.lookup(ipcacheKey(address))
                .map(v -> IpcacheValue.decode(v).identity());
    }

    @Test
    void aBatchWithoutALocalChangeWritesOnlyTheIpcacheKeysItChanges() {
        ReadCounting backend = new ReadCounting(new InMemoryMapBackend());
        NodeMapsWriter writer = new NodeMapsWriter(backend, NODE);
        LocalEndpointTable table = new LocalEndpointTable(NODE, LocalEndpointTable.Snapshot.EMPTY);
        NodeDelta bootstrap = new NodeDelta(NodeImage.EMPTY);
        bootstrap.replay(new StateRecord(
                StateTopic.ENDPOINTS, "shop/pod-1", endpoint(1, NODE, 1001).toByteArray()));
        bootstrap.replay(
                new StateRecord(StateTopic.POLICY, "1001", policy(1001, 1).toByteArray()));
        NodeImage image = bootstrap.apply();
        writer.snapshot(image, table.resolveLatest(image));

        NodeDelta delta = new NodeDelta(image);
        delta.replay(
                StateTopic.ENDPOINTS,
                0,
                7,
                "shop/pod-3",
                endpoint(3, "node-2", 1002).toByteArray());
        NodeImage next = delta.apply();
        backend.writes.set(0);
        NodeMapsReconciler.Outcome out = writer.publish(delta, next, table.resolveLatest(next));

        assertThat(backend.writes).hasValue(1);
        assertThat(out.changes().get(NodeMapsReconciler.IPCACHE_MAP)).isEqualTo(new MapReconciler.Result(1, 0, 0));
        assertThat(out.changes().get(NodeMapsReconciler.POLICY_MAPS).total()).isZero();
        assertThat(out.changes().get(EndpointsMap.NAME).total()).isZero();
        assertThat(delta.changes(StateTopic.ENDPOINTS).added()).containsExactly("shop/pod-3");
        assertThat(next.provenance().next(StateTopic.ENDPOINTS, 0)).isEqualTo(8);
        assertThat(next.endpointsOn("node-2")).containsOnlyKeys("shop/pod-3");
    }

    private static StateRecord randomRecord(Random random) {
        int i = random.nextInt(12);
        return switch (random.nextInt(6)) {
            case 0, 1 ->
                new StateRecord(
                        StateTopic.ENDPOINTS,
                        "shop/pod-" + i,
                        random.nextInt(5) == 0
                                ? null
                                : endpoint(i, "node-" + (1 + random.nextInt(3)), 1001 + random.nextInt(4))
                                        .toByteArray());
            case 2 ->
                new StateRecord(
                        StateTopic.POLICY,
                        Integer.toString(1001 + random.nextInt(4)),
                        random.nextInt(6) == 0
                                ? null
                                : policy(1001 + random.nextInt(4), 1 + random.nextInt(1000))
                                        .toByteArray());
            case 3 -> {
                String name = "node-" + (1 + random.nextInt(3));
                yield new StateRecord(
                        StateTopic.NODES,
                        name,
                        random.nextInt(4) == 0
                                ? null
                                : Node.newBuilder()
                                        .setName(name)
                                        .addIps("10.0.0." + random.nextInt(8))
                                        .build()
                                        .toByteArray());
            }
            case 4 ->
                new StateRecord(
                        StateTopic.IDENTITIES,
                        Integer.toString(2000 + random.nextInt(3)),
                        random.nextInt(3) == 0
                                ? null
                                : Identity.newBuilder()
                                        .setId(2000 + random.nextInt(3))
                                        .addLabels(Label.newBuilder()
                                                .setSource("cidr")
                                                .setKey("10.0.0." + random.nextInt(4) + "/32"))
                                        .build()
                                        .toByteArray());
            default ->
                new StateRecord(
                        StateTopic.ENDPOINTS,
                        "shop/pod-" + i,
                        endpoint(i, NODE, 1001 + random.nextInt(4)).toByteArray());
        };
    }

    /** Two pods may share an address (the lower key wins it, as the ipcache's index decides). */
    private static Endpoint endpoint(int i, String node, int identity) {
        return Endpoint.newBuilder()
                .setNamespace("shop")
                .setPod("pod-" + i)
                .setUid("u-" + i)
                .setNode(node)
                .setIpv4("10.0.0." + (i % 8))
                .setIpv6(i % 2 == 0 ? "fd00::" + i : "")
                .setIdentity(identity)
                .build();
    }

    private static SubjectPolicyMap policy(int subject, long revision) {
        return NodeMapsContractTest.policy(
                subject,
                revision,
                PolicyMapKey.of(1002, Direction.INGRESS, IpProtocol.TCP, 80 + (int) (revision % 3)),
                PolicyMapKey.anyProtocol(0, Direction.EGRESS));
    }

    /** Counts the reads (lookups, iterations, sizes) and write calls of every map it hands out. */
    private static final class ReadCounting implements MapBackend {
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();
        private final MapBackend inner;

        ReadCounting(MapBackend inner) {
            this.inner = inner;
        }

        @Override
        public BpfMap openOrCreate(MapSpec spec) {
            return new Counted(inner.openOrCreate(spec));
        }

        @Override
        public Optional<BpfMap> open(String name) {
            return inner.open(name).map(Counted::new);
        }

        @Override
        public boolean delete(String name) {
            return inner.delete(name);
        }

        @Override
        public Set<String> names() {
            return inner.names();
        }

        @Override
        public String describe() {
            return "counted " + inner.describe();
        }

        @Override
        public void close() {
            inner.close();
        }

        private final class Counted implements BpfMap {
            private final BpfMap map;

            Counted(BpfMap map) {
                this.map = map;
            }

            @Override
            public MapSpec spec() {
                return map.spec();
            }

            @Override
            public void update(byte[] key, byte[] value, UpdateFlag flag) {
                writes.incrementAndGet();
                map.update(key, value, flag);
            }

            @Override
            public void updateAll(List<Entry> entries, UpdateFlag flag) {
                writes.incrementAndGet();
                map.updateAll(entries, flag);
            }

            @Override
            public Optional<byte[]> lookup(byte[] key) {
                reads.incrementAndGet();
                return map.lookup(key);
            }

            @Override
            public boolean delete(byte[] key) {
                writes.incrementAndGet();
                return map.delete(key);
            }

            @Override
            public int deleteAll(List<byte[]> keys) {
                writes.incrementAndGet();
                return map.deleteAll(keys);
            }

            @Override
            public List<byte[]> keys() {
                reads.incrementAndGet();
                return map.keys();
            }

            @Override
            public List<Entry> entries() {
                reads.incrementAndGet();
                return map.entries();
            }

            @Override
            public int size() {
                reads.incrementAndGet();
                return map.size();
            }
        }
    }
}
