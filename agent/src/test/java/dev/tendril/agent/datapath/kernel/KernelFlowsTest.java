package dev.tendril.agent.datapath.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.agent.probe.FlowRecords;
import dev.tendril.api.hubble.flow.DropReason;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.TrafficDirection;
import dev.tendril.api.hubble.flow.Verdict;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kernel verdict events as the Hubble records Cilium's datapath would have sent for the same packet. */
class KernelFlowsTest {

    static final Instant TIME = Instant.parse("2026-12-05T10:00:00Z");

    @Test
    void aDefaultDenyDropIsAPolicyVerdictThenADropRecordAndNamesNoPolicyAsItsDenier() throws Exception {
        List<Flow> flows = KernelFlows.toFlows(event(2, 133, 0, null), TIME, "node-1", naming(null, null));

        assertThat(flows).hasSize(2);
        Flow verdict = flows.get(0);
        Flow drop = flows.get(1);
        assertThat(verdict.getEventType().getType()).isEqualTo(FlowRecords.MESSAGE_TYPE_POLICY_VERDICT);
        assertThat(verdict.getEventType().getSubType()).isZero();
        assertThat(verdict.getVerdict()).isEqualTo(Verdict.DROPPED);
        assertThat(verdict.getIngressDeniedByList()).isEmpty();
        assertThat(verdict.hasIsReply()).as("unknown on a drop, as Cilium").isFalse();

        assertThat(drop.getEventType().getType()).isEqualTo(FlowRecords.MESSAGE_TYPE_DROP);
        assertThat(drop.getEventType().getSubType()).isEqualTo(133);
        assertThat(drop.getVerdict()).isEqualTo(Verdict.DROPPED);
        assertThat(drop.getDropReasonDesc()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(drop.getDropReason()).isEqualTo(133);
        assertThat(drop.getTrafficDirection()).isEqualTo(TrafficDirection.INGRESS);
        assertThat(drop.getL4().getTCP().getFlags().getSYN()).isTrue();
        assertThat(drop.getSource()).isEqualTo(verdict.getSource());
        assertThat(drop.getDestination()).isEqualTo(verdict.getDestination());
        assertThat(drop.getTime()).isEqualTo(verdict.getTime());
        assertThat(drop.getUuid()).isNotEqualTo(verdict.getUuid());
        assertThat(drop.hasIsReply()).isFalse();
        assertThat(drop.getPolicyMatchType()).isZero();
    }

    @Test
    void aDenyRuleNamesItsPolicyOnThePolicyVerdictOnly() {
        PolicyMapKey key = PolicyMapKey.of(1001, Direction.INGRESS, 6, 80);
        List<Flow> flows = KernelFlows.toFlows(
                event(2, 181, 2, PolicyMapValue.deny(key)),
                TIME,
                "node-1",
                naming(key, "CiliumNetworkPolicy/shop/deny-evil"));

        assertThat(flows).extracting(f -> f.getEventType().getType()).containsExactly(5, 1);
        assertThat(flows.get(0).getIngressDeniedByList())
                .extracting(p -> p.getName())
                .containsExactly("deny-evil");
        assertThat(flows.get(1).getEventType().getSubType()).isEqualTo(181);
        assertThat(flows.get(1).getIngressDeniedByList()).isEmpty();
    }

    @Test
    void aForwardedVerdictIsOneRecordThatIsNoReply() {
        PolicyMapKey key = PolicyMapKey.of(1001, Direction.INGRESS, 6, 80);
        List<Flow> flows = KernelFlows.toFlows(
                event(1, 0, 2, PolicyMapValue.allow(key)), TIME, "node-1", naming(key, "NetworkPolicy/shop/allow-web"));

        assertThat(flows).singleElement().satisfies(f -> {
            assertThat(f.getVerdict()).isEqualTo(Verdict.FORWARDED);
            assertThat(f.hasIsReply()).isTrue();
            assertThat(f.getIsReply().getValue()).isFalse();
            assertThat(f.getIngressAllowedByList()).extracting(p -> p.getName()).containsExactly("allow-web");
        });
    }

    @Test
    void aDropBeforePolicyIsOneDropRecordWithItsReasonAsSubType() {
        VerdictEvent spoofed = new VerdictEvent(
                0,
                1,
                2,
                132,
                2,
                0,
                6,
                0x02,
                40000,
                80,
                7,
                3,
                1001,
                1002,
                0,
                0,
                null,
                address("10.250.9.9"),
                address("10.0.0.2"),
                60,
                0,
                0,
                null);

        assertThat(KernelFlows.toFlows(spoofed, TIME, "node-1", naming(null, null)))
                .singleElement()
                .satisfies(f -> {
                    assertThat(f.getEventType().getType()).isEqualTo(FlowRecords.MESSAGE_TYPE_DROP);
                    assertThat(f.getEventType().getSubType()).isEqualTo(132);
                    assertThat(f.getDropReasonDesc()).isEqualTo(DropReason.INVALID_SOURCE_IP);
                    assertThat(f.hasIsReply()).isFalse();
                });
    }

    @Test
    void anIcmpEchoIsIcmpWithItsTypeAndCodeAndADroppedUdpDatagramKeepsItsPorts() {
        VerdictEvent ping = new VerdictEvent(
                0,
                VerdictEvent.TYPE_DROP,
                2,
                132,
                VerdictEvent.DIRECTION_EGRESS,
                0,
                IpProtocol.ICMP,
                0,
                4711,
                0,
                7,
                3,
                1001,
                2,
                0,
                0,
                null,
                address("10.250.9.9"),
                address("10.0.0.2"),
                84,
                8,
                0,
                null);
        VerdictEvent datagram = new VerdictEvent(
                0,
                VerdictEvent.TYPE_DROP,
                2,
                132,
                VerdictEvent.DIRECTION_EGRESS,
                0,
                IpProtocol.UDP,
                0,
                40000,
                53,
                7,
                3,
                1001,
                2,
                0,
                0,
                null,
                address("10.250.9.9"),
                address("10.0.0.2"),
                60,
                0,
                0,
                null);

        Flow icmp = KernelFlows.toFlow(ping, TIME, "node-1", naming(null, null));
        Flow udp = KernelFlows.toFlow(datagram, TIME, "node-1", naming(null, null));

        assertThat(icmp.getL4().hasICMPv4()).as(icmp.getL4().toString()).isTrue();
        assertThat(icmp.getL4().getICMPv4().getType()).isEqualTo(8);
        assertThat(icmp.getL4().getICMPv4().getCode()).isZero();
        assertThat(udp.getL4().getUDP().getSourcePort()).isEqualTo(40000);
        assertThat(udp.getL4().getUDP().getDestinationPort()).isEqualTo(53);
    }

    /** A TCP SYN from 10.0.0.1 (identity 1001) to endpoint 3 (10.0.0.2, identity 1002) on port 80, ingress. */
    static VerdictEvent event(int verdict, int reason, int matchType, PolicyMapValue value) {
        return new VerdictEvent(
                0,
                VerdictEvent.TYPE_POLICY_VERDICT,
                verdict,
                reason,
                VerdictEvent.DIRECTION_INGRESS,
                matchType,
                6,
                0x02,
                40000,
                80,
                7,
                3,
                1001,
                1002,
                0,
                value == null ? 0 : 1001,
                value,
                address("10.0.0.1"),
                address("10.0.0.2"),
                60,
                0,
                0,
                null);
    }

    static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The subject's map: default deny on ingress (enforced by allow-web), and {@code key} from {@code policy}. */
    static KernelFlows.Naming naming(PolicyMapKey key, String policy) {
        SubjectPolicyMap.Builder map = SubjectPolicyMap.newBuilder()
                .setSubject(1002)
                .setPolicyRevision(4)
                .addIngressEnforcedBy("NetworkPolicy/shop/allow-web");
        if (key != null) {
            map.addEntries(dev.tendril.api.v1.PolicyMapEntry.newBuilder()
                    .setKey(com.google.protobuf.ByteString.copyFrom(key.encode()))
                    .addPolicies(policy));
        }
        return new KernelFlows.Naming() {
            @Override
            public FlowRecords.Peer peer(InetAddress address, long identity, int endpointId) {
                return new FlowRecords.Peer(endpointId, identity, "shop", identity == 1001 ? "web" : "db", List.of());
            }

            @Override
            public SubjectPolicyMap policyOf(long subjectIdentity) {
                return map.build();
            }
        };
    }
}
