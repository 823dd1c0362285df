package dev.tendril.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.datapath.lb.LbBackendKey;
import dev.tendril.datapath.lb.LbBackendValue;
import dev.tendril.datapath.lb.LbMaps;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.policymap.IpProtocol;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The LB maps' content kept Service by Service ({@link LbIndex}) against the content from scratch ({@link LbDesired}). */
class LbIndexTest {

    static final String NODE = "node-1";

    @Test
    void randomServiceChurnAppliedChangeByChangeEqualsTheContentFromScratchAfterEveryBatch() {
        ServiceChurn churn = new ServiceChurn(new Random(7), NODE);
        NodeImage image = NodeImage.EMPTY;
        LbIndex index = LbIndex.of(image, NODE, new ArrayList<>());
        Map<String, Map<ByteBuffer, byte[]>> maps = new HashMap<>();
        LbMaps.AGENT_WRITTEN.forEach(spec -> maps.put(spec.name(), new HashMap<>()));
        for (int batch = 0; batch < 2_000; batch++) {
            NodeDelta delta = churn.next(image);
            NodeImage next = delta.apply();
            Map<String, ServiceMaps> changed = new HashMap<>();
            delta.serviceChanges()
                    .keySet()
                    .forEach(key -> changed.put(key, next.services().get(key)));
            List<String> problems = new ArrayList<>();

            Map<String, LbIndex.MapChanges> changes = index.update(changed, problems);

            image = next;
            for (var c : changes.entrySet()) {
                Map<ByteBuffer, byte[]> map = maps.get(c.getKey());
                long absent = c.getValue().writes().keySet().stream()
                        .filter(k -> !map.containsKey(k))
                        .count();
                assertThat(c.getValue().added())
                        .as("batch %d: %s added", batch, c.getKey())
                        .isEqualTo(absent);
                assertThat(c.getValue().deletes())
                        .allSatisfy(k -> assertThat(map).containsKey(k));
                c.getValue().deletes().forEach(map::remove);
                map.putAll(c.getValue().writes());
            }
            Map<String, Map<String, String>> fromScratch =
                    ServiceChurn.hex(LbDesired.of(image, NODE, new ArrayList<>())::get);
            assertThat(ServiceChurn.hex(maps::get)).as("batch %d", batch).isEqualTo(fromScratch);
            assertThat(ServiceChurn.hex(index::content)).as("batch %d", batch).isEqualTo(fromScratch);
            assertThat(index.size())
                    .isEqualTo(maps.values().stream().mapToInt(Map::size).sum());
        }
    }

    @Test
    void aBackendTwoServicesNameStaysUntilTheLastOfThemLetsItGo() {
        NodeImage image = image(service("a", 1), service("b", 1));
        LbIndex index = LbIndex.of(image, NODE, new ArrayList<>());
        ByteBuffer backend1 = ByteBuffer.wrap(new LbBackendKey(1).encode());

        Map<String, LbIndex.MapChanges> first = index.update(deleted("shop/a"), new ArrayList<>());

        assertThat(first.get(LbMaps.BACKENDS_V4.name())).isNull();
        assertThat(index.content(LbMaps.BACKENDS_V4.name())).containsOnlyKeys(backend1);
        assertThat(first.get(LbMaps.SERVICES_V4.name()).deletes()).hasSize(2);

        Map<String, LbIndex.MapChanges> last = index.update(deleted("shop/b"), new ArrayList<>());

        assertThat(last.get(LbMaps.BACKENDS_V4.name()).deletes()).containsExactly(backend1);
        assertThat(index.size()).isZero();
    }

    @Test
    void aBackendWhoseStateDiffersBetweenServicesHoldsTheFirstServicesStateByName() {
        ServiceMaps a = service("a", 1);
        ServiceMaps b = service("b", 1).toBuilder()
                .setBackends(0, a.getBackends(0).toBuilder().setState(1))
                .build();
        LbIndex index = LbIndex.of(image(b), NODE, new ArrayList<>());
        ByteBuffer backend1 = ByteBuffer.wrap(new LbBackendKey(1).encode());

        Map<String, LbIndex.MapChanges> withA = index.update(Map.of("shop/a", a), new ArrayList<>());

        assertThat(LbBackendValue.decode(
                                withA.get(LbMaps.BACKENDS_V4.name()).writes().get(backend1))
                        .flags())
                .isZero();
        Map<String, LbIndex.MapChanges> withoutA = index.update(deleted("shop/a"), new ArrayList<>());
        assertThat(LbBackendValue.decode(
                                withoutA.get(LbMaps.BACKENDS_V4.name()).writes().get(backend1))
                        .flags())
                .isEqualTo(1);
        for (MapSpec spec : LbMaps.AGENT_WRITTEN) {
            assertThat(ServiceChurn.hex(index::content).get(spec.name()))
                    .isEqualTo(ServiceChurn.hex(LbDesired.of(image(b), NODE, new ArrayList<>())::get)
                            .get(spec.name()));
        }
    }

    /** A batch that deletes Service {@code key} (Map.of takes no null). */
    private static Map<String, ServiceMaps> deleted(String key) {
        Map<String, ServiceMaps> batch = new HashMap<>();
        batch.put(key, null);
        return batch;
    }

    private static NodeImage image(ServiceMaps... services) {
        Map<String, ServiceMaps> byKey = new HashMap<>();
        for (ServiceMaps s : services) {
            byKey.put(s.getNamespace() + "/" + s.getName(), s);
        }
        return new NodeImage(Map.of(), Map.of(), Map.of(), Map.of(), byKey);
    }

    /** Service {@code name}: ClusterIP 10.96.0.x:80 with backend 1 (10.0.1.5:8080), revision {@code revision}. */
    private static ServiceMaps service(String name, long revision) {
        int n = name.charAt(0);
        return ServiceMaps.newBuilder()
                .setNamespace("shop")
                .setName(name)
                .setRevision(revision)
                .setType("ClusterIP")
                .addFrontends(LbFrontend.newBuilder()
                        .setAddress("10.96.0." + n)
                        .setPort(80)
                        .setProtocol(IpProtocol.TCP)
                        .setRevNatIndex(n)
                        .addBackendIds(1))
                .addBackends(LbBackend.newBuilder()
                        .setId(1)
                        .setAddress("10.0.1.5")
                        .setPort(8080)
                        .setProtocol(IpProtocol.TCP)
                        .setNode("node-2"))
                .build();
    }
}
