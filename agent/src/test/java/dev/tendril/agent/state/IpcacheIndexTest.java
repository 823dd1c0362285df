package dev.tendril.agent.state;

import static dev.tendril.agent.state.NodeStateTest.endpoint;
import static dev.tendril.agent.state.NodeStateTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.agent.state.IpcacheIndex.Changes;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.LpmTrieInMemory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The incremental ipcache: after every batch of records the index (and a map written only with its
 * changes) equals the full computation from the new image, including where claims of different rank
 * meet on one address.
 */
class IpcacheIndexTest {

    record Batch(String name, Consumer<NodeDelta> records) {}

    static final List<Batch> BATCHES = List.of(
            new Batch("endpoints and nodes appear", d -> {
                d.replay(
                        StateTopic.ENDPOINTS,
                        "shop/a",
                        endpoint("shop", "a", "node-1", "10.0.1.5", "fd00::105", 1001)
                                .toByteArray());
                d.replay(
                        StateTopic.ENDPOINTS,
                        "shop/b",
                        endpoint("shop", "b", "node-2", "10.0.2.7", "", 1002).toByteArray());
                d.replay(
                        StateTopic.NODES,
                        "node-1",
                        node("node-1", "192.168.0.11").toByteArray());
                d.replay(
                        StateTopic.NODES,
                        "node-2",
                        node("node-2", "192.168.0.12").toByteArray());
            }),
            new Batch("a CIDR identity, then an endpoint on its address wins", d -> {
                d.replay(
                        StateTopic.IDENTITIES,
                        "16777217",
                        cidr(16777217, "10.0.3.1/32").toByteArray());
                d.replay(
                        StateTopic.ENDPOINTS,
                        "shop/c",
                        endpoint("shop", "c", "node-2", "10.0.3.1", "", 1003).toByteArray());
            }),
            new Batch(
                    "the endpoint goes: the CIDR identity is back",
                    d -> d.replay(StateTopic.ENDPOINTS, "shop/c", null)),
            new Batch("another node claims an endpoint's address, then this node does", d -> {
                d.replay(StateTopic.NODES, "node-3", node("node-3", "10.0.2.7").toByteArray());
                d.replay(
                        StateTopic.NODES,
                        "node-1",
                        node("node-1", "192.168.0.11", "10.0.2.7").toByteArray());
            }),
            new Batch(
                    "this node gives the address up: the other node's claim is left",
                    d -> d.replay(
                            StateTopic.NODES,
                            "node-1",
                            node("node-1", "192.168.0.11").toByteArray())),
            new Batch(
                    "that node goes: the endpoint's identity is back", d -> d.replay(StateTopic.NODES, "node-3", null)),
            new Batch("two endpoints on one address, then one moves to another identity", d -> {
                d.replay(
                        StateTopic.ENDPOINTS,
                        "shop/a2",
                        endpoint("shop", "a2", "node-2", "10.0.1.5", "", 1009).toByteArray());
                d.replay(
                        StateTopic.ENDPOINTS,
                        "shop/a",
                        endpoint("shop", "a", "node-1", "10.0.1.5", "fd00::105", 1004)
                                .toByteArray());
            }),
            new Batch("an endpoint changes address and one loses its identity", d -> {
                d.replay(
                        StateTopic.ENDPOINTS,
                        "shop/b",
                        endpoint("shop", "b", "node-2", "10.0.2.8", "", 1002).toByteArray());
                d.replay(
                        StateTopic.ENDPOINTS,
                        "shop/a2",
                        endpoint("shop", "a2", "node-2", "10.0.1.5", "", 0).toByteArray());
            }),
            new Batch("a record replaced twice in one batch, a deletion of an unknown key", d -> {
                d.replay(
                        StateTopic.ENDPOINTS,
                        "shop/d",
                        endpoint("shop", "d", "node-2", "10.0.4.1", "", 1005).toByteArray());
                d.replay(
                        StateTopic.ENDPOINTS,
                        "shop/d",
                        endpoint("shop", "d", "node-2", "10.0.4.2", "", 1005).toByteArray());
                d.replay(StateTopic.ENDPOINTS, "shop/none", null);
                d.replay(StateTopic.IDENTITIES, "16777217", null);
            }));

    @Test
    void incrementalChangesKeepTheIndexAndTheMapEqualToTheFullComputationAfterEveryBatch() {
        NodeImage image = NodeImage.EMPTY;
        IpcacheIndex index = IpcacheIndex.of(image, "node-1");
        LpmTrieInMemory map = new LpmTrieInMemory(NodeMapsReconciler.ipcacheSpec());
        for (Batch batch : BATCHES) {
            NodeDelta delta = new NodeDelta(image);
            batch.records().accept(delta);
            NodeImage next = delta.apply();
            Map<IpcacheKey, IpcacheValue> before = index.desired();
            Changes changes = index.update(image, delta);
            IpcacheReconciler.apply(map, changes);
            image = next;

            Map<IpcacheKey, IpcacheValue> full =
                    IpcacheIndex.of(image, "node-1").desired();
            assertThat(index.desired()).as(batch.name()).isEqualTo(full);
            assertThat(decode(map)).as(batch.name() + ": the map").isEqualTo(full);
            assertThat(changes.added() + changes.updated() + changes.deletes().size())
                    .as(batch.name() + ": changes counted")
                    .isEqualTo(diff(before, full));
        }
        assertThat(index.desired())
                .containsEntry(IpcacheKey.ofCidr("10.0.1.5/32"), IpcacheValue.of(1004))
                .containsEntry(IpcacheKey.ofCidr("10.0.2.8/32"), IpcacheValue.of(1002))
                .containsEntry(IpcacheKey.ofCidr("10.0.4.2/32"), IpcacheValue.of(1005))
                .doesNotContainKeys(
                        IpcacheKey.ofCidr("10.0.2.7/32"),
                        IpcacheKey.ofCidr("10.0.4.1/32"),
                        IpcacheKey.ofCidr("10.0.3.1/32"));
    }

    @Test
    void aBatchThatChangesNoClaimChangesNothing() {
        NodeDelta first = new NodeDelta(NodeImage.EMPTY);
        BATCHES.getFirst().records().accept(first);
        NodeImage image = first.apply();
        IpcacheIndex index = IpcacheIndex.of(image, "node-1");

        NodeDelta same = new NodeDelta(image);
        same.replay(
                StateTopic.ENDPOINTS,
                "shop/b",
                endpoint("shop", "b", "node-2", "10.0.2.7", "", 1002).toByteArray());
        Changes changes = index.update(image, same);

        assertThat(changes.isEmpty()).isTrue();
        assertThat(changes.upserts()).isEmpty();
        assertThat(changes.deletes()).isEqualTo(Set.of());
    }

    private static Identity cidr(int id, String prefix) {
        return Identity.newBuilder()
                .setId(id)
                .addLabels(Label.newBuilder().setSource("cidr").setKey(prefix))
                .build();
    }

    private static Map<IpcacheKey, IpcacheValue> decode(LpmTrieInMemory map) {
        Map<IpcacheKey, IpcacheValue> out = new HashMap<>();
        map.entries().forEach(e -> out.put(IpcacheKey.decode(e.key()), IpcacheValue.decode(e.value())));
        return out;
    }

    private static int diff(Map<IpcacheKey, IpcacheValue> a, Map<IpcacheKey, IpcacheValue> b) {
        int n = 0;
        for (var e : b.entrySet()) {
            if (!e.getValue().equals(a.get(e.getKey()))) {
                n++;
            }
        }
        for (IpcacheKey k : a.keySet()) {
            if (!b.containsKey(k)) {
                n++;
            }
        }
        return n;
    }
}
