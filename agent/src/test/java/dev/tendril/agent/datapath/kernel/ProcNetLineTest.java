package dev.tendril.agent.datapath.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ProcNetLineTest {

    @Test
    void readsTheRemoteEndOfAnIpv4Line() {
        String line =
                "   3: 0200000A:A9E2 0300010A:0050 01 00000000:00000000 00:00000000 00000000     0        0 12345 1";

        assertThat(ProcNetLine.remoteOf(line, 0xA9E2)).isEqualTo(new InetSocketAddress("10.1.0.3", 80));
    }

    @Test
    void answersAnIpv4MappedPeerOfADualStackSocketAsIpv4() {
        String line =
                "  0: 0000000000000000FFFF00000200000A:C350 0000000000000000FFFF00000300010A:1F90 02 00000000:00000000"
                        + " 01:00000400 00000000     0        0 999 1";

        assertThat(ProcNetLine.remoteOf(line, 0xC350)).isEqualTo(new InetSocketAddress("10.1.0.3", 8080));
    }

    @Test
    void readsAnIpv6Peer() {
        // fd00::1:5 as four little-endian words: 000000FD 00000000 00000000 05000100
        String line = "  1: 000000FD000000000000000002000000:1234 000000FD000000000000000005000100:0050 01 x";

        assertThat(ProcNetLine.remoteOf(line, 0x1234)).isEqualTo(new InetSocketAddress("fd00::1:5", 80));
    }

    @Test
    void skipsOtherPortsTheHeaderAndUnconnectedSockets() {
        String other = "   3: 0200000A:A9E2 0300010A:0050 01 00000000:00000000";
        String listening = "   4: 00000000:0050 00000000:0000 0A 00000000:00000000";

        assertThat(ProcNetLine.remoteOf(other, 1)).isNull();
        assertThat(ProcNetLine.remoteOf("  sl  local_address rem_address   st tx_queue", 80))
                .isNull();
        assertThat(ProcNetLine.remoteOf(listening, 0x50)).isNull();
    }
}
