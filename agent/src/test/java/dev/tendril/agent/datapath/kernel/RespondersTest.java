package dev.tendril.agent.datapath.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.policymap.IpProtocol;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The pods' stand-in processes and the real probe, in this process's own namespace (no root needed): the
 * named TCP and UDP ports answer, SCTP is skipped, a port no longer asked for stops answering while the
 * others stay, and a stopped pod answers nowhere. An unanswered port is REFUSED (the packet arrived).
 */
class RespondersTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    @Test
    void namedPortsAnswerUntilTheyAreNoLongerAskedForOrThePodStops() throws IOException {
        int tcp = freePort();
        int tcp2 = freePort();
        int udp = freePort();
        try (Responders responders = Responders.open()) {
            Responders.Port a = new Responders.Port(tcp, IpProtocol.TCP);
            Responders.Port b = new Responders.Port(tcp2, IpProtocol.TCP);
            Responders.Port u = new Responders.Port(udp, IpProtocol.UDP);
            Responders.Port sctp = new Responders.Port(3868, IpProtocol.SCTP);

            assertThat(responders.serve("shop/server", null, Set.of(a, b, u, sctp)))
                    .containsExactly(sctp);
            assertThat(responders.served("shop/server")).containsExactlyInAnyOrder(a, b, u);
            assertThat(PodProbe.probe(null, LOOPBACK, tcp, IpProtocol.TCP, TIMEOUT))
                    .isEqualTo(PodProbe.Result.CONNECTED);
            assertThat(PodProbe.probe(null, LOOPBACK, tcp2, IpProtocol.TCP, TIMEOUT))
                    .isEqualTo(PodProbe.Result.CONNECTED);
            assertThat(PodProbe.probe(null, LOOPBACK, udp, IpProtocol.UDP, TIMEOUT))
                    .isEqualTo(PodProbe.Result.ANSWERED);

            assertThat(responders.serve("shop/server", null, Set.of(a, u))).isEmpty();
            assertThat(PodProbe.probe(null, LOOPBACK, tcp2, IpProtocol.TCP, TIMEOUT))
                    .isEqualTo(PodProbe.Result.REFUSED);
            assertThat(PodProbe.probe(null, LOOPBACK, tcp, IpProtocol.TCP, TIMEOUT))
                    .isEqualTo(PodProbe.Result.CONNECTED);

            responders.stop("shop/server");
            assertThat(responders.served("shop/server")).isEmpty();
            assertThat(PodProbe.probe(null, LOOPBACK, tcp, IpProtocol.TCP, TIMEOUT))
                    .isEqualTo(PodProbe.Result.REFUSED);
            assertThat(List.of(PodProbe.Result.REFUSED, PodProbe.Result.TIMEOUT))
                    .contains(PodProbe.probe(null, LOOPBACK, udp, IpProtocol.UDP, Duration.ofMillis(300)));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(LOOPBACK, 0));
            return s.getLocalPort();
        }
    }
}
