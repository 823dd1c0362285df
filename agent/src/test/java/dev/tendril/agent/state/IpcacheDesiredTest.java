package dev.tendril.agent.state;

import static dev.tendril.agent.state.NodeStateTest.endpoint;
import static dev.tendril.agent.state.NodeStateTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IpcacheDesiredTest {

    @Test
    void mapsEveryEndpointAddressToItsIdentityAndNodesToHostOrRemoteNode() {
        NodeImage image = new NodeImage(
                Map.of(),
                Map.of(
                        "shop/fe-1",
                        endpoint("shop", "fe-1", "node-1", "10.0.1.5", "fd00::105", 1001),
                        "shop/be-1",
                        endpoint("shop", "be-1", "node-2", "10.0.2.7", "", 1002),
                        "shop/pending",
                        endpoint("shop", "pending", "node-2", "10.0.2.8", "", 0)),
                Map.of("node-1", node("node-1", "192.168.0.11", "fd01::11"), "node-2", node("node-2", "192.168.0.12")));

        assertThat(IpcacheDesired.of(image, "node-1"))
                .isEqualTo(Map.of(
                        IpcacheKey.ofCidr("10.0.1.5/32"), IpcacheValue.of(1001),
                        IpcacheKey.ofCidr("fd00::105/128"), IpcacheValue.of(1001),
                        IpcacheKey.ofCidr("10.0.2.7/32"), IpcacheValue.of(1002),
                        IpcacheKey.ofCidr("192.168.0.11/32"), IpcacheValue.of(IpcacheDesired.HOST),
                        IpcacheKey.ofCidr("fd01::11/128"), IpcacheValue.of(IpcacheDesired.HOST),
                        IpcacheKey.ofCidr("192.168.0.12/32"), IpcacheValue.of(IpcacheDesired.REMOTE_NODE)));

        assertThat(IpcacheDesired.of(image, "node-2"))
                .containsEntry(IpcacheKey.ofCidr("192.168.0.11/32"), IpcacheValue.of(6))
                .containsEntry(IpcacheKey.ofCidr("192.168.0.12/32"), IpcacheValue.of(1));
    }

    @Test
    void nodeAddressWinsOverAnEndpointClaimingIt() {
        NodeImage image = new NodeImage(
                Map.of(),
                Map.of("x/y", endpoint("x", "y", "node-2", "192.168.0.12", "", 1001)),
                Map.of("node-2", node("node-2", "192.168.0.12")));
        assertThat(IpcacheDesired.of(image, "node-1"))
                .isEqualTo(Map.of(IpcacheKey.ofCidr("192.168.0.12/32"), IpcacheValue.of(6)));
    }

    @Test
    void skipsAddressesThatAreNotIpLiterals() {
        NodeImage image =
                new NodeImage(Map.of(), Map.of("x/y", endpoint("x", "y", "node-2", "not-an-ip", "", 1001)), Map.of());
        assertThat(IpcacheDesired.of(NodeImage.EMPTY, "node-1")).isEmpty();
        assertThat(IpcacheDesired.of(image, "node-1")).isEmpty();
    }

    @Test
    void cidrIdentitiesMapTheirMostSpecificPrefixAndEndpointsWinOnTheSameAddress() {
        NodeImage image = new NodeImage(
                Map.of(
                        16777217L, cidr(16777217, "0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16"),
                        16777218L, cidr(16777218, "2001-db8--/32", "2001-db8-1--/48"),
                        16777219L, cidr(16777219, "10.0.1.5/32"),
                        16777220L, cidr(16777220, "not-a-prefix")),
                Map.of("shop/fe-1", endpoint("shop", "fe-1", "node-1", "10.0.1.5", "", 1001)),
                Map.of());

        assertThat(IpcacheDesired.of(image, "node-1"))
                .isEqualTo(Map.of(
                        IpcacheKey.ofCidr("10.1.0.0/16"), IpcacheValue.of(16777217),
                        IpcacheKey.ofCidr("2001:db8:1::/48"), IpcacheValue.of(16777218),
                        IpcacheKey.ofCidr("10.0.1.5/32"), IpcacheValue.of(1001)));
    }

    static Identity cidr(int id, String... prefixes) {
        Identity.Builder b = Identity.newBuilder()
                .setId(id)
                .addLabels(Label.newBuilder().setSource("reserved").setKey("world"));
        for (String p : prefixes) {
            b.addLabels(Label.newBuilder().setSource("cidr").setKey(p));
        }
        return b.build();
    }
}
