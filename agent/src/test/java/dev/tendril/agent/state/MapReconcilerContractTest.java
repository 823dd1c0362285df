package dev.tendril.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.MapSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link MapReconciler} against one map backend; run for the in-memory maps and the bpf(2) maps. */
public abstract class MapReconcilerContractTest {

    protected static final MapSpec IPCACHE = Ipcache.spec("test_ipcache", 1024);
    protected static final MapSpec HASH = MapSpec.hash("test_hash", 4, 8, 64);

    private final List<BpfMap> opened = new ArrayList<>();

    /** A new, empty map of this spec on the backend under test. */
    protected abstract BpfMap create(MapSpec spec);

    /** Releases a map from {@link #create(MapSpec)}. */
    protected void release(BpfMap map) {}

    private BpfMap map(MapSpec spec) {
        BpfMap m = create(spec);
        opened.add(m);
        return m;
    }

    @AfterEach
    void releaseMaps() {
        opened.forEach(this::release);
        opened.clear();
    }

    @Test
    void fillsAnEmptyIpcacheWithTheDesiredEntries() {
        BpfMap map = map(IPCACHE);
        Map<IpcacheKey, IpcacheValue> desired = Map.of(
                IpcacheKey.ofCidr("10.0.1.5/32"), IpcacheValue.of(1001),
                IpcacheKey.ofCidr("fd00::105/128"), IpcacheValue.of(1001),
                IpcacheKey.ofCidr("192.168.0.11/32"), IpcacheValue.of(1));

        assertThat(MapReconciler.reconcile(map, IpcacheReconciler.encode(desired)))
                .isEqualTo(new MapReconciler.Result(3, 0, 0));
        assertThat(new Ipcache(map).entries()).isEqualTo(desired);
    }

    @Test
    void removesStaleUpdatesDifferentAndKeepsEqualEntries() {
        BpfMap map = map(IPCACHE);
        Ipcache ipcache = new Ipcache(map);
        ipcache.put(IpcacheKey.ofCidr("10.0.1.5/32"), IpcacheValue.of(1001));
        ipcache.put(IpcacheKey.ofCidr("10.0.1.6/32"), IpcacheValue.of(1002));
        ipcache.put(IpcacheKey.ofCidr("10.0.0.0/8"), IpcacheValue.of(2));
        Map<IpcacheKey, IpcacheValue> desired = Map.of(
                IpcacheKey.ofCidr("10.0.1.5/32"), IpcacheValue.of(1001),
                IpcacheKey.ofCidr("10.0.1.6/32"), IpcacheValue.of(1003),
                IpcacheKey.ofCidr("10.0.2.0/24"), IpcacheValue.of(16777217));

        assertThat(MapReconciler.reconcile(map, IpcacheReconciler.encode(desired)))
                .isEqualTo(new MapReconciler.Result(1, 1, 1));
        assertThat(ipcache.entries()).isEqualTo(desired);
        assertThat(MapReconciler.reconcile(map, IpcacheReconciler.encode(desired)))
                .isEqualTo(MapReconciler.Result.NONE);
    }

    @Test
    void emptyDesiredStateEmptiesTheMap() {
        BpfMap map = map(IPCACHE);
        Ipcache ipcache = new Ipcache(map);
        ipcache.put(IpcacheKey.ofCidr("10.0.1.5/32"), IpcacheValue.of(1001));
        ipcache.put(IpcacheKey.ofCidr("fd00::/104"), IpcacheValue.of(2));

        assertThat(MapReconciler.reconcile(map, Map.of())).isEqualTo(new MapReconciler.Result(0, 0, 2));
        assertThat(map.size()).isZero();
    }

    @Test
    void reconcilesAHashMapByBytes() {
        BpfMap map = map(HASH);
        map.put(bytes(4, 1), bytes(8, 1));
        map.put(bytes(4, 2), bytes(8, 2));
        Map<ByteBuffer, byte[]> desired = new HashMap<>();
        desired.put(ByteBuffer.wrap(bytes(4, 2)), bytes(8, 22));
        desired.put(ByteBuffer.wrap(bytes(4, 3)), bytes(8, 3));

        assertThat(MapReconciler.reconcile(map, desired)).isEqualTo(new MapReconciler.Result(1, 1, 1));
        assertThat(map.size()).isEqualTo(2);
        assertThat(map.lookup(bytes(4, 1))).isEmpty();
        assertThat(map.lookup(bytes(4, 2)))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes(8, 22)));
        assertThat(map.lookup(bytes(4, 3)))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes(8, 3)));
    }

    @Test
    void bootstrapOfAClusterReachesAZeroDiffOnTheSecondPass() {
        BpfMap map = map(IPCACHE);
        NodeDelta delta = new NodeDelta(NodeImage.EMPTY);
        NodeStateTest.IMAGE1.toRecords().forEach(delta::replay);
        NodeImage image = delta.apply();

        MapReconciler.Result first = IpcacheReconciler.reconcile(map, image, "node-1");
        assertThat(first.added()).isEqualTo(IpcacheDesired.of(image, "node-1").size());
        assertThat(IpcacheReconciler.reconcile(map, image, "node-1")).isEqualTo(MapReconciler.Result.NONE);

        NodeDelta next = new NodeDelta(image);
        NodeStateTest.DELTA1.forEach(next::replay);
        IpcacheReconciler.reconcile(map, next.apply(), "node-1");
        assertThat(new Ipcache(map).entries()).isEqualTo(IpcacheDesired.of(NodeStateTest.IMAGE2, "node-1"));
        assertThat(List.copyOf(new Ipcache(map).entries().keySet())).doesNotContain(IpcacheKey.ofCidr("10.0.1.5/32"));
    }

    private static byte[] bytes(int size, int first) {
        byte[] b = new byte[size];
        b[0] = (byte) first;
        return b;
    }
}
