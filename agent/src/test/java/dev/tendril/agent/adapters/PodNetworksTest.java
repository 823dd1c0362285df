package dev.tendril.agent.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.agent.datapath.fabric.PeerNode;
import dev.tendril.agent.datapath.fabric.PodCidr;
import dev.tendril.agent.datapath.kernel.KernelPodNetwork;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.api.v1.Node;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the kernel pod network reads IPAM's node record and the node's name (runs everywhere). */
class PodNetworksTest {

    @Test
    void eachPodCidrGetsTheRouterAddressIpamReservedInIt() {
        Node node = Node.newBuilder()
                .setName("node-2")
                .addPodCidrs("10.0.2.0/24")
                .addPodCidrs("fd00::200/120")
                .addRouterIps("fd00::201")
                .addRouterIps("10.0.2.1")
                .build();

        assertThat(PodNetworks.podCidrs(node))
                .containsExactly(PodCidr.of("10.0.2.0/24", "10.0.2.1"), PodCidr.of("fd00::200/120", "fd00::201"));
    }

    @Test
    void aPodCidrWithoutARouterAddressGetsItsFirstAddress() {
        Node node = Node.newBuilder()
                .setName("node-1")
                .addPodCidrs("10.0.1.0/24")
                .addPodCidrs("fd00::100/120")
                .addRouterIps("10.9.9.1")
                .build();

        assertThat(PodNetworks.podCidrs(node))
                .containsExactly(PodCidr.of("10.0.1.0/24", "10.0.1.1"), PodCidr.of("fd00::100/120", "fd00::101"));
    }

    @Test
    void theOtherLocalNodesAndThePeersKernelNodesAreRoutedViaTheirFabricAddresses() throws Exception {
        Node self = Node.newBuilder()
                .setName("node-1")
                .addPodCidrs("10.1.1.0/24")
                .addIps("172.31.1.1")
                .build();
        Node local = Node.newBuilder()
                .setName("node-2")
                .addPodCidrs("10.1.2.0/24")
                .addIps("127.1.0.12")
                .addIps("172.31.1.2")
                .build();
        NodeImage image = new NodeImage(Map.of(), Map.of(), Map.of("node-1", self, "node-2", local));
        Node westKernel = Node.newBuilder()
                .setName("node-1")
                .setCluster("west")
                .addPodCidrs("10.2.1.0/24")
                .addPodCidrs("fd00:2::100/120")
                .addIps("127.2.0.11")
                .addIps("172.31.2.1")
                .addIps("fdfe:2::1")
                .build();
        Node westModel = Node.newBuilder()
                .setName("node-2")
                .setCluster("west")
                .addPodCidrs("10.2.2.0/24")
                .addIps("127.2.0.12")
                .build();

        List<PeerNode> peers = PodNetworks.peers(image, "node-1", List.of(westKernel, westModel));

        assertThat(peers).extracting(PeerNode::name).containsExactly("node-2", "west/node-1");
        assertThat(peers.get(1).podCidrs()).containsExactly("10.2.1.0/24", "fd00:2::100/120");
        assertThat(peers.get(1).addresses())
                .contains(InetAddress.getByName("172.31.2.1"), InetAddress.getByName("fdfe:2::1"));
    }

    @Test
    void theNodeIndexIsTheNumberOfALauncherNodeName() {
        assertThat(KernelPodNetwork.indexOf("node-1")).contains(1);
        assertThat(KernelPodNetwork.indexOf("node-254")).contains(254);
        assertThat(KernelPodNetwork.indexOf("node-0")).isEmpty();
        assertThat(KernelPodNetwork.indexOf("worker-3")).isEmpty();
        assertThat(KernelPodNetwork.indexOf("node-01")).isEmpty();
    }
}
