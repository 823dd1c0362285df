package dev.tendril.agent.datapath.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.DropReason;
import dev.tendril.datapath.MatchType;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.InetAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The ring buffer record and the CT entries, decoded from hand-written bytes in the C layouts of src/main/bpf/lib/types.h. */
class VerdictEventTest {

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s", ""));
    }

    @Test
    void decodesAForwardedIngressVerdictWithItsDecidingEntry() throws Exception {
        byte[] bytes = hex("""
                0807060504030201
                05 01 00 01 02 04 06 12
                3412 5000
                07000000 03000000
                e9030000 ea030000
                00 000000
                e9030000
                0000 c0 00 00 000000 2a000000
                0a000001000000000000000000000000
                0a000002000000000000000000000000
                3c000000 00000000
                """);
        VerdictEvent e = VerdictEvent.decode(bytes);
        assertThat(e.timestampNs()).isEqualTo(0x0102030405060708L);
        assertThat(e.isPolicyVerdict()).isTrue();
        assertThat(e.forwarded()).isTrue();
        assertThat(e.policyDirection()).isEqualTo(Direction.INGRESS);
        assertThat(e.protocol()).isEqualTo(6);
        assertThat(e.tcpFlags()).isEqualTo(0x12);
        assertThat(e.sourcePort()).isEqualTo(0x1234);
        assertThat(e.destinationPort()).isEqualTo(80);
        assertThat(e.ifindex()).isEqualTo(7);
        assertThat(e.endpointId()).isEqualTo(3);
        assertThat(e.sourceIdentity()).isEqualTo(1001);
        assertThat(e.destinationIdentity()).isEqualTo(1002);
        assertThat(e.remoteIdentity()).isEqualTo(1001);
        assertThat(e.source()).isEqualTo(InetAddress.getByName("10.0.0.1"));
        assertThat(e.destination()).isEqualTo(InetAddress.getByName("10.0.0.2"));
        assertThat(e.length()).isEqualTo(60);

        PolicyMapKey key = PolicyMapKey.of(1001, Direction.INGRESS, 6, 80);
        assertThat(e.toVerdict())
                .contains(new Verdict(
                        Verdict.FlowVerdict.FORWARDED,
                        DropReason.NONE,
                        MatchType.L3_L4,
                        1001,
                        Direction.INGRESS,
                        key,
                        PolicyMapValue.allow(key).withCookie(42)));
    }

    @Test
    void decodesTheIcmpTypeAndCodeAfterTheConntrackStatus() throws Exception {
        byte[] bytes = hex("""
                0000000000000000
                01 02 84 02 00 04 01 00
                2a00 0000
                07000000 03000000
                e9030000 02000000
                00 0b 01 00
                00000000
                0000 00 00 00 000000 00000000
                0a000001000000000000000000000000
                0a000002000000000000000000000000
                54000000 00000000
                """);
        VerdictEvent e = VerdictEvent.decode(bytes);
        assertThat(e.protocol()).isEqualTo(1);
        assertThat(e.icmpType()).as("time exceeded").isEqualTo(11);
        assertThat(e.icmpCode()).isEqualTo(1);
        assertThat(e.ctStatus()).isZero();
        assertThat(e.sourcePort()).isEqualTo(42);
    }

    @Test
    void decodesAnIpv6DropWithoutAMatchAndADropBeforePolicy() throws Exception {
        String addresses = "fd000000000000000000000000000001 fd000000000000000000000000000002";
        VerdictEvent denied =
                VerdictEvent.decode(hex("0000000000000000 05 02 85 02 00 06 11 00 e803 3500 0100000002000000"
                        + "01040000 02000000 00 000000 00000000 000000000000000000000000 " + addresses
                        + " 00000000 00000000"));
        assertThat(denied.dropReason()).isEqualTo(133);
        assertThat(denied.policyDirection()).isEqualTo(Direction.EGRESS);
        assertThat(denied.remoteIdentity()).isEqualTo(2);
        assertThat(denied.source()).isEqualTo(InetAddress.getByName("fd00::1"));
        assertThat(denied.toVerdict())
                .contains(new Verdict(
                        Verdict.FlowVerdict.DROPPED,
                        DropReason.POLICY_DENIED,
                        MatchType.NONE,
                        2,
                        Direction.EGRESS,
                        null,
                        null));

        VerdictEvent spoofed =
                VerdictEvent.decode(hex("0000000000000000 01 02 84 02 00 06 06 02 e803 5000 0100000002000000"
                        + "00000000 00000000 00 000000 00000000 000000000000000000000000 " + addresses
                        + " 00000000 00000000"));
        assertThat(spoofed.isPolicyVerdict()).isFalse();
        assertThat(spoofed.toVerdict()).isEmpty();
    }

    @Test
    void decodesConntrackEntriesInCiliumsLayout() throws Exception {
        byte[] key = hex("0a000001 0a000002 0050 d431 06 00");
        byte[] value = hex("0000000000000000 0000000000000000 0700000000000000 c401000000000000"
                + "10270000 1300 0000 0000 1b 12 e9030000 00000000 00000000");
        Conntrack.Entry e = Conntrack.decode("cilium_ct4_global", key, value);
        assertThat(e.outgoing()).isTrue();
        assertThat(e.source()).isEqualTo(InetAddress.getByName("10.0.0.1"));
        assertThat(e.sourcePort()).isEqualTo(0xd431);
        assertThat(e.destination()).isEqualTo(InetAddress.getByName("10.0.0.2"));
        assertThat(e.destinationPort()).isEqualTo(80);
        assertThat(e.protocol()).isEqualTo(6);
        assertThat(e.packets()).isEqualTo(7);
        assertThat(e.bytes()).isEqualTo(452);
        assertThat(e.lifetime()).isEqualTo(10_000);
        assertThat(e.rxClosing()).isTrue();
        assertThat(e.txClosing()).isTrue();
        assertThat(e.seenNonSyn()).isTrue();
        assertThat(e.txFlagsSeen()).isEqualTo(0x1b);
        assertThat(e.rxFlagsSeen()).isEqualTo(0x12);
        assertThat(e.sourceIdentity()).isEqualTo(1001);

        byte[] key6 = hex("fd000000000000000000000000000001 fd000000000000000000000000000002 0035 03e8 11 01");
        Conntrack.Entry in = Conntrack.decode("cilium_ct_any6_global", key6, value);
        assertThat(in.outgoing()).isFalse();
        assertThat(in.destination()).isEqualTo(InetAddress.getByName("fd00::2"));
        assertThat(in.destinationPort()).isEqualTo(53);
        assertThat(in.sourcePort()).isEqualTo(1000);
        assertThat(in.protocol()).isEqualTo(17);
    }
}
