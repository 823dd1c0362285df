package dev.tendril.agent.state;

import static dev.tendril.agent.state.NodeStateTest.endpoint;
import static dev.tendril.agent.state.NodeStateTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.agent.state.IpcacheIndex.Changes;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * ClusterMesh peers in the ipcache: a remote pod maps to its remote identity with its node as tunnel endpoint,
 * a remote node address to remote-node, both flagged remote-cluster; local entries win an address; and after
 * every step the incrementally kept index equals the full computation from the images.
 */
class IpcacheMeshTest {

    static final int WEST_POD = (2 << 16) + 300;
    static final int WEST_DB = (2 << 16) + 301;
    static final int LOCAL_POD = 1001;

    private NodeImage local = NodeImage.EMPTY;
    private NodeImage west = NodeImage.EMPTY;
    private IpcacheIndex index;

    @Test
    void remotePodsMapToTheirIdentityThroughTheirNodeAndRemoteNodesToRemoteNode() throws Exception {
        start();
        Changes changes = west(d -> {
            d.replay(StateTopic.NODES, "w-1", node("w-1", "192.168.2.1").toByteArray());
            d.replay(
                    StateTopic.ENDPOINTS,
                    "shop/a",
                    endpoint("shop", "a", "w-1", "10.2.1.5", "fd00:2::105", WEST_POD)
                            .toByteArray());
        });

        InetAddress w1 = InetAddress.getByName("192.168.2.1");
        assertThat(changes.upserts())
                .containsEntry(key("10.2.1.5"), new IpcacheValue(WEST_POD, w1, 0, false, true))
                .containsEntry(key("fd00:2::105"), new IpcacheValue(WEST_POD, w1, 0, false, true))
                .containsEntry(key("192.168.2.1"), new IpcacheValue(IpcacheDesired.REMOTE_NODE, null, 0, false, true));
        assertThat(index.clusterOf(key("10.2.1.5"))).contains("west");
        assertThat(changes.conflicts()).isEmpty();
        assertMatchesFullComputation();
    }

    @Test
    void aRemoteNodeThatMovesTakesItsPodsTunnelEndpointAlong() throws Exception {
        start();
        west(d -> {
            d.replay(StateTopic.NODES, "w-1", node("w-1", "192.168.2.1").toByteArray());
            d.replay(
                    StateTopic.ENDPOINTS,
                    "shop/a",
                    endpoint("shop", "a", "w-1", "10.2.1.5", "", WEST_POD).toByteArray());
            d.replay(
                    StateTopic.ENDPOINTS,
                    "shop/b",
                    endpoint("shop", "b", "w-2", "10.2.2.5", "", WEST_DB).toByteArray());
        });
        // w-2 is not in the peer's nodes topic yet: its pod has no tunnel endpoint until it is.
        assertThat(index.desired(key("10.2.2.5"))).contains(new IpcacheValue(WEST_DB, null, 0, false, true));

        Changes changes = west(d -> {
            d.replay(StateTopic.NODES, "w-1", node("w-1", "192.168.2.9").toByteArray());
            d.replay(StateTopic.NODES, "w-2", node("w-2", "192.168.2.2").toByteArray());
        });

        assertThat(changes.upserts())
                .containsEntry(
                        key("10.2.1.5"),
                        new IpcacheValue(WEST_POD, InetAddress.getByName("192.168.2.9"), 0, false, true))
                .containsEntry(
                        key("10.2.2.5"),
                        new IpcacheValue(WEST_DB, InetAddress.getByName("192.168.2.2"), 0, false, true));
        assertThat(changes.deletes()).containsExactly(key("192.168.2.1"));
        assertMatchesFullComputation();
    }

    @Test
    void aLocalEndpointWinsAnAddressAPeerClaimsAndGivesItBackWhenItGoes() throws Exception {
        start();
        local(d -> d.replay(
                StateTopic.ENDPOINTS,
                "shop/local",
                endpoint("shop", "local", "node-1", "10.2.1.5", "", LOCAL_POD).toByteArray()));

        Changes clash = west(d -> d.replay(
                StateTopic.ENDPOINTS,
                "shop/a",
                endpoint("shop", "a", "w-1", "10.2.1.5", "", WEST_POD).toByteArray()));

        assertThat(clash.conflicts()).containsExactly(key("10.2.1.5"));
        assertThat(clash.upserts()).isEmpty();
        assertThat(index.desired(key("10.2.1.5"))).contains(IpcacheValue.of(LOCAL_POD));
        assertThat(index.clusterOf(key("10.2.1.5"))).isEmpty();

        Changes gone = local(d -> d.replay(StateTopic.ENDPOINTS, "shop/local", null));

        assertThat(gone.upserts()).containsEntry(key("10.2.1.5"), new IpcacheValue(WEST_POD, null, 0, false, true));
        assertMatchesFullComputation();
    }

    @Test
    void aDisconnectedPeerLeavesNothingButLocalEntries() throws Exception {
        start();
        local(d -> d.replay(
                StateTopic.ENDPOINTS,
                "shop/local",
                endpoint("shop", "local", "node-1", "10.1.1.5", "", LOCAL_POD).toByteArray()));
        west(d -> {
            d.replay(StateTopic.NODES, "w-1", node("w-1", "192.168.2.1").toByteArray());
            d.replay(
                    StateTopic.ENDPOINTS,
                    "shop/a",
                    endpoint("shop", "a", "w-1", "10.2.1.5", "", WEST_POD).toByteArray());
            d.replay(
                    StateTopic.ENDPOINTS,
                    "shop/b",
                    endpoint("shop", "b", "w-1", "10.2.1.6", "", WEST_DB).toByteArray());
        });

        Changes changes = index.removePeer("west", west);
        west = NodeImage.EMPTY;

        assertThat(changes.deletes()).containsExactlyInAnyOrder(key("10.2.1.5"), key("10.2.1.6"), key("192.168.2.1"));
        assertThat(index.desired()).isEqualTo(Map.of(key("10.1.1.5"), IpcacheValue.of(LOCAL_POD)));
    }

    @Test
    void aPeerTombstoneOfOnePodRemovesOnlyThatPod() throws Exception {
        start();
        west(d -> {
            d.replay(
                    StateTopic.ENDPOINTS,
                    "shop/a",
                    endpoint("shop", "a", "w-1", "10.2.1.5", "", WEST_POD).toByteArray());
            d.replay(
                    StateTopic.ENDPOINTS,
                    "shop/b",
                    endpoint("shop", "b", "w-1", "10.2.1.6", "", WEST_DB).toByteArray());
        });

        Changes changes = west(d -> d.replay(StateTopic.ENDPOINTS, "shop/a", null));

        assertThat(changes.deletes()).isEqualTo(Set.of(key("10.2.1.5")));
        assertThat(index.desired(key("10.2.1.6"))).isPresent();
        assertThat(index.desired(key("10.2.1.5"))).isEqualTo(Optional.empty());
        assertMatchesFullComputation();
    }

    @Test
    void severalRemoteClaimsOfOneAddressRankNodeFirstThenByNameAndHandOverAsTheyGo() throws Exception {
        start();
        // A pod of west holds an address; a second pod is given the same address before the first one's deletion
        // arrives (a move), and then west lists a node with that address.
        west(d -> d.replay(
                StateTopic.ENDPOINTS,
                "shop/b",
                endpoint("shop", "b", "w-1", "10.2.1.5", "", WEST_DB).toByteArray()));
        assertThat(index.desired(key("10.2.1.5"))).contains(new IpcacheValue(WEST_DB, null, 0, false, true));

        Changes second = west(d -> d.replay(
                StateTopic.ENDPOINTS,
                "shop/a",
                endpoint("shop", "a", "w-1", "10.2.1.5", "", WEST_POD).toByteArray()));
        // The lower pod name wins between two pods of one cluster.
        assertThat(second.upserts()).containsEntry(key("10.2.1.5"), new IpcacheValue(WEST_POD, null, 0, false, true));
        assertMatchesFullComputation();

        Changes node = west(
                d -> d.replay(StateTopic.NODES, "w-9", node("w-9", "10.2.1.5").toByteArray()));
        assertThat(node.upserts())
                .containsEntry(key("10.2.1.5"), new IpcacheValue(IpcacheDesired.REMOTE_NODE, null, 0, false, true));
        assertMatchesFullComputation();

        // They go one by one: the next claim in rank takes the address each time, and the last one's going deletes it.
        Changes nodeGone = west(d -> d.replay(StateTopic.NODES, "w-9", null));
        assertThat(nodeGone.upserts()).containsEntry(key("10.2.1.5"), new IpcacheValue(WEST_POD, null, 0, false, true));
        Changes aGone = west(d -> d.replay(StateTopic.ENDPOINTS, "shop/a", null));
        assertThat(aGone.upserts()).containsEntry(key("10.2.1.5"), new IpcacheValue(WEST_DB, null, 0, false, true));
        assertThat(index.clusterOf(key("10.2.1.5"))).contains("west");
        assertMatchesFullComputation();
        Changes bGone = west(d -> d.replay(StateTopic.ENDPOINTS, "shop/b", null));
        assertThat(bGone.deletes()).containsExactly(key("10.2.1.5"));
        assertThat(index.desired()).isEmpty();

        // The address claimed afresh by one pod, after all that, is that pod's.
        west(d -> d.replay(
                StateTopic.ENDPOINTS,
                "shop/c",
                endpoint("shop", "c", "w-1", "10.2.1.5", "", WEST_DB).toByteArray()));
        assertThat(index.desired(key("10.2.1.5"))).contains(new IpcacheValue(WEST_DB, null, 0, false, true));
        assertMatchesFullComputation();
    }

    private void start() {
        index = IpcacheIndex.of(local, Map.of(), "node-1");
    }

    private Changes local(Consumer<NodeDelta> records) {
        NodeDelta d = new NodeDelta(local);
        records.accept(d);
        Changes changes = index.update(local, d);
        local = d.apply();
        return changes;
    }

    private Changes west(Consumer<NodeDelta> records) {
        NodeDelta d = new NodeDelta(west);
        records.accept(d);
        NodeImage after = d.apply();
        Changes changes = index.updatePeer("west", d, after);
        west = after;
        return changes;
    }

    private void assertMatchesFullComputation() {
        assertThat(index.desired())
                .isEqualTo(
                        IpcacheIndex.of(local, Map.of("west", west), "node-1").desired());
    }

    private static IpcacheKey key(String address) {
        return IpcacheKey.ofAddress(address);
    }
}
