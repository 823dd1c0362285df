package dev.tendril.agent.state;

import static dev.tendril.agent.state.NodeStateTest.endpoint;
import static dev.tendril.agent.state.NodeStateTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.UpdateFlag;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An agent restarted over pinned maps keeps a ClusterMesh peer's ipcache entries until that peer is
 * published again (fail-static), and a peer no longer listed loses them at the next full pass.
 */
class MeshRestartTest {

    static final int WEST_POD = (2 << 16) + 300;
    static final IpcacheKey WEST_ADDRESS = IpcacheKey.ofAddress("10.2.1.5");
    static final IpcacheKey GONE_ADDRESS = IpcacheKey.ofAddress("10.2.1.9");

    private final InMemoryMapBackend backend = new InMemoryMapBackend();

    @Test
    void aListedPeerKeepsItsPinnedEntriesUntilItIsPublishedAgain() throws Exception {
        pinned(WEST_ADDRESS, GONE_ADDRESS);
        NodeMapsWriter writer = new NodeMapsWriter(backend, "node-1");

        // The local bootstrap comes before the peer list is read: nothing remote is dropped.
        writer.snapshot(NodeImage.EMPTY, List.of());
        assertThat(ipcache()).containsKeys(WEST_ADDRESS, GONE_ADDRESS);

        writer.awaitPeers(Set.of("west"));
        writer.reconcile(NodeImage.EMPTY, List.of(), true);
        assertThat(ipcache()).containsKeys(WEST_ADDRESS, GONE_ADDRESS);

        // West's bootstrap: its pod is back, the one deleted while the agent was away goes at the next full pass.
        NodeDelta west = new NodeDelta(NodeImage.EMPTY);
        west.replay(StateTopic.NODES, "w-1", node("w-1", "192.168.2.1").toByteArray());
        west.replay(
                StateTopic.ENDPOINTS,
                "shop/a",
                endpoint("shop", "a", "w-1", "10.2.1.5", "", WEST_POD).toByteArray());
        writer.publishPeer("west", west, west.apply());
        writer.reconcile(NodeImage.EMPTY, List.of(), true);

        assertThat(ipcache())
                .containsEntry(
                        WEST_ADDRESS, new IpcacheValue(WEST_POD, InetAddress.getByName("192.168.2.1"), 0, false, true))
                .doesNotContainKey(GONE_ADDRESS);
    }

    @Test
    void aPeerNoLongerListedLosesItsPinnedEntries() {
        pinned(WEST_ADDRESS);
        NodeMapsWriter writer = new NodeMapsWriter(backend, "node-1");
        writer.snapshot(NodeImage.EMPTY, List.of());

        writer.awaitPeers(Set.of());
        writer.reconcile(NodeImage.EMPTY, List.of(), true);

        assertThat(ipcache()).doesNotContainKey(WEST_ADDRESS);
    }

    private void pinned(IpcacheKey... keys) {
        BpfMap map = backend.openOrCreate(NodeMapsReconciler.ipcacheSpec());
        for (IpcacheKey k : keys) {
            map.update(k.encode(), new IpcacheValue(WEST_POD, null, 0, false, true).encode(), UpdateFlag.ANY);
        }
    }

    private java.util.Map<IpcacheKey, IpcacheValue> ipcache() {
        java.util.Map<IpcacheKey, IpcacheValue> out = new java.util.HashMap<>();
        backend.openOrCreate(NodeMapsReconciler.ipcacheSpec())
                .entries()
                .forEach(e -> out.put(IpcacheKey.decode(e.key()), IpcacheValue.decode(e.value())));
        return out;
    }
}
