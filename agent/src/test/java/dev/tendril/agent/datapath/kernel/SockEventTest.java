package dev.tendril.agent.datapath.kernel;

import static dev.tendril.agent.datapath.kernel.VerdictEventTest.hex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.agent.probe.FlowRecords;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.FlowType;
import dev.tendril.api.hubble.flow.SocketTranslationPoint;
import dev.tendril.api.hubble.flow.Verdict;
import dev.tendril.api.v1.SubjectPolicyMap;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Socket-LB records of the ring buffer (struct sock_event of src/main/bpf/lib/types.h) and the Hubble flows made of them. */
class SockEventTest {
    static final Instant TIME = Instant.parse("2026-12-05T10:00:00Z");

    static final byte[] TRANSLATED = hex("""
            0807060504030201
            07 07 00 02 01 04 06 00
            901f 5000
            03000000 05000000 07000000
            0000000000000000
            1100000000000000
            2200000000000000
            0a60000a000000000000000000000000
            0a000112000000000000000000000000
            0000000000000000
            """);

    static final byte[] DROPPED = hex("""
            0000000000000000
            07 02 9e 01 01 06 11 00
            3500 0000
            09000000 00000000 00000000
            0000000000000000
            1100000000000000
            2200000000000000
            fd000010009600000000000000000053
            00000000000000000000000000000000
            0000000000000000
            """);

    @Test
    void decodesATranslation() throws Exception {
        VerdictEvent e = VerdictEvent.decode(TRANSLATED);
        SockEvent s = e.sock();
        assertThat(e.type()).isEqualTo(VerdictEvent.TYPE_TRACE_SOCK);
        assertThat(e.isPolicyVerdict()).isFalse();
        assertThat(s.translated()).isTrue();
        assertThat(s.timestampNs()).isEqualTo(0x0102030405060708L);
        assertThat(s.xlatePoint()).isEqualTo(2);
        assertThat(s.hook()).isEqualTo(SockEvent.HOOK_CONNECT);
        assertThat(s.protocol()).isEqualTo(6);
        assertThat(s.frontend()).isEqualTo(InetAddress.getByName("10.96.0.10"));
        assertThat(s.frontendPort()).isEqualTo(8080);
        assertThat(s.backend()).isEqualTo(InetAddress.getByName("10.0.1.18"));
        assertThat(s.backendPort()).isEqualTo(80);
        assertThat(s.revNatIndex()).isEqualTo(3);
        assertThat(s.endpointId()).isEqualTo(5);
        assertThat(s.backendId()).isEqualTo(7);
        assertThat(s.netnsCookie()).isEqualTo(0x11);
        assertThat(s.socketCookie()).isEqualTo(0x22);
        assertThat(List.of(e.source(), e.destination())).containsExactly(s.frontend(), s.backend());
    }

    @Test
    void decodesARefusalOfAFrontendWithoutBackends() throws Exception {
        SockEvent s = VerdictEvent.decode(DROPPED).sock();
        assertThat(s.translated()).isFalse();
        assertThat(s.dropReason()).isEqualTo(SockEvent.DROP_NO_SERVICE);
        assertThat(s.frontend()).isEqualTo(InetAddress.getByName("fd00:10:96::53"));
        assertThat(s.frontendPort()).isEqualTo(53);
        assertThat(s.protocol()).isEqualTo(17);
        assertThat(s.endpointId()).isZero();
    }

    @Test
    void aTranslationIsASockFlowNamingTheServiceAndTheBackend() {
        Flow f = KernelFlows.toFlows(VerdictEvent.decode(TRANSLATED), TIME, "node-1", naming())
                .getFirst();
        assertThat(f.getType()).isEqualTo(FlowType.SOCK);
        assertThat(f.getVerdict()).isEqualTo(Verdict.TRANSLATED);
        assertThat(f.getEventType().getType()).isEqualTo(7);
        assertThat(f.getSockXlatePoint()).isEqualTo(SocketTranslationPoint.SOCK_XLATE_POINT_POST_DIRECTION_FWD);
        assertThat(f.getSocketCookie()).isEqualTo(0x22);
        assertThat(f.getDestinationService().getNamespace()).isEqualTo("shop");
        assertThat(f.getDestinationService().getName()).isEqualTo("backend");
        assertThat(f.getSource().getPodName()).isEqualTo("client");
        assertThat(f.getSource().getID()).isEqualTo(5);
        assertThat(f.getDestination().getPodName()).isEqualTo("backend-10.0.1.18");
        assertThat(f.getIP().getDestination()).isEqualTo("10.0.1.18");
        assertThat(f.getL4().getTCP().getDestinationPort()).isEqualTo(80);
        assertThat(f.getNodeName()).isEqualTo("node-1");
    }

    @Test
    void aRefusalIsADroppedSockFlowWithReason158() {
        Flow f = KernelFlows.toFlows(VerdictEvent.decode(DROPPED), TIME, "node-1", naming())
                .getFirst();
        assertThat(f.getType()).isEqualTo(FlowType.SOCK);
        assertThat(f.getVerdict()).isEqualTo(Verdict.DROPPED);
        assertThat(f.getDropReasonDesc()).isEqualTo(DropReason.SERVICE_BACKEND_NOT_FOUND);
        assertThat(f.getDropReason()).isEqualTo(158);
        assertThat(f.getDestinationService().getName()).isEqualTo("dns");
        assertThat(f.getIP().getDestination()).isEqualTo("fd00:10:96::53");
        assertThat(f.getL4().getUDP().getDestinationPort()).isEqualTo(53);
        assertThat(f.getSource().getLabelsList()).containsExactly("reserved:host");
    }

    private static KernelFlows.Naming naming() {
        return new KernelFlows.Naming() {
            @Override
            public FlowRecords.Peer peer(InetAddress address, long identity, int endpointId) {
                return new FlowRecords.Peer(
                        endpointId, identity, "shop", "backend-" + address.getHostAddress(), List.of());
            }

            @Override
            public SubjectPolicyMap policyOf(long subjectIdentity) {
                return null;
            }

            @Override
            public FlowRecords.Peer localEndpoint(int endpointId) {
                return endpointId == 0
                        ? KernelFlows.Naming.super.localEndpoint(0)
                        : new FlowRecords.Peer(endpointId, 1001, "shop", "client", List.of());
            }

            @Override
            public Optional<KernelFlows.ServiceName> service(int revNatIndex) {
                return Optional.of(new KernelFlows.ServiceName("shop", revNatIndex == 3 ? "backend" : "dns"));
            }
        };
    }
}
