package dev.tendril.agent.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.agent.datapath.fabric.PodCidr;
import dev.tendril.agent.datapath.kernel.KernelPodNetwork;
import dev.tendril.api.v1.Node;
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
    void theNodeIndexIsTheNumberOfALauncherNodeName() {
        assertThat(KernelPodNetwork.indexOf("node-1")).contains(1);
        assertThat(KernelPodNetwork.indexOf("node-254")).contains(254);
        assertThat(KernelPodNetwork.indexOf("node-0")).isEmpty();
        assertThat(KernelPodNetwork.indexOf("worker-3")).isEmpty();
        assertThat(KernelPodNetwork.indexOf("node-01")).isEmpty();
    }
}
