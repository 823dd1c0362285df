package dev.tendril.identity.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KnownNodesTest {

    private final KnownNodes nodes = KnownNodes.EMPTY
            .with("node-1", List.of("192.168.1.10", "10.0.1.1", "FD00:0:0:0:0:0:1:1", "not-an-ip"))
            .with("node-2", List.of("192.168.1.11"));

    private static EndpointSpec endpoint(String... ips) {
        return EndpointSpec.of("shop", "web", "u1", "node-1", List.of(ips), Map.of(), "", List.of());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "internal IP of its node      | 192.168.1.10 | node-1",
                "router IP of its node        | 10.0.1.1     | node-1",
                "internal IP of another node  | 192.168.1.11 | node-2",
                "v6 in another spelling       | fd00::1:1    | node-1",
            })
    void refusesANodesOwnAddress(String name, String ip, String node) {
        assertThatThrownBy(() -> nodes.checkAddresses(endpoint(ip)))
                .isInstanceOfSatisfying(CommandRejectedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CommandRejectedException.Kind.CONFLICT);
                    assertThat(e.field()).isEqualTo("ips");
                    assertThat(e.reason()).contains(node);
                });
    }

    @Test
    void admitsPodAddressesAndForgetsDeregisteredNodes() {
        nodes.checkAddresses(endpoint("10.0.1.5", "fd00::1:5"));
        assertThat(nodes.contains("node-1")).isTrue();
        KnownNodes after = nodes.without("node-2");
        assertThat(after.contains("node-2")).isFalse();
        after.checkAddresses(endpoint("192.168.1.11"));
        assertThat(after.with("node-1", List.of("192.168.1.20")).nodeByAddress())
                .doesNotContainKey("192.168.1.10");
        assertThat(KnownNodes.EMPTY.without("nothing")).isSameAs(KnownNodes.EMPTY);
    }
}
