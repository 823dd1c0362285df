package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void movesToTheNextFreePortWhenThePreferredOneIsTaken() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            int port = taken.getLocalPort();

            assertThat(Ports.isFree(port)).isFalse();
            assertThat(Ports.preferredOrNextFree(port, Set.of())).isGreaterThan(port);
            assertThat(Ports.preferredOrNextFree(port, Set.of(port + 1))).isNotIn(port, port + 1);
        }
    }

    @Test
    void zeroMeansAnyFreePort() {
        int port = Ports.preferredOrNextFree(0, Set.of());

        assertThat(port).isPositive();
        assertThat(Ports.isFree(port)).isTrue();
    }
}
