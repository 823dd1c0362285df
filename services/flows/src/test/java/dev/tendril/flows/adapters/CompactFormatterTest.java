package dev.tendril.flows.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.tendril.api.hubble.flow.CiliumEventType;
import dev.tendril.api.hubble.flow.Layer4;
import dev.tendril.api.hubble.flow.TCP;
import dev.tendril.api.hubble.flow.TCPFlags;
import dev.tendril.api.hubble.flow.Verdict;
import dev.tendril.hubble.CompactFormatter;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Hubble's compact line, with the dropping policy appended. */
class CompactFormatterTest {

    private static final Instant AT = Instant.parse("2026-11-26T14:31:07.892Z");
    private final CompactFormatter formatter = CompactFormatter.utc();

    @Test
    void policyDropNamesTheNodeTheIdentitiesAndThePolicy() {
        var flow = HubbleFlows.denied(
                        AT,
                        "node-1",
                        HubbleFlows.pod("demo", "frontend", 17901, "frontend"),
                        "10.0.1.5",
                        43210,
                        HubbleFlows.pod("demo", "database", 29433, "database"),
                        "10.0.2.9",
                        80,
                        "demo",
                        "default-deny-ingress")
                .build();
        assertThat(formatter.format(flow))
                .isEqualTo("Nov 26 14:31:07.892 [node-1]: demo/frontend:43210 (ID:17901) -> "
                        + "demo/database:80 (ID:29433) Policy denied DROPPED (TCP Flags: SYN) "
                        + "policy: NetworkPolicy/demo/default-deny-ingress");
    }

    @Test
    void aPolicyDropIsADeniedPolicyVerdictThenADropOfUnknownDirectionAsHubblePrintsThem() {
        var packet = HubbleFlows.denied(
                        AT,
                        "node-1",
                        HubbleFlows.pod("demo", "frontend", 17901, "frontend"),
                        "10.0.1.5",
                        43210,
                        HubbleFlows.pod("demo", "database", 29433, "database"),
                        "10.0.2.9",
                        80,
                        "demo",
                        "default-deny-ingress")
                .clearIngressDeniedBy()
                .clearIsReply();
        var verdict = packet.clone()
                .setEventType(CiliumEventType.newBuilder().setType(5))
                .build();
        var drop = packet.clone()
                .setEventType(CiliumEventType.newBuilder().setType(1).setSubType(133))
                .build();

        assertThat(formatter.format(verdict))
                .isEqualTo("Nov 26 14:31:07.892 [node-1]: demo/frontend:43210 (ID:17901) <> "
                        + "demo/database:80 (ID:29433) policy-verdict:none INGRESS DENIED (TCP Flags: SYN)");
        assertThat(formatter.format(drop))
                .isEqualTo("Nov 26 14:31:07.892 [node-1]: demo/frontend:43210 (ID:17901) <> "
                        + "demo/database:80 (ID:29433) Policy denied DROPPED (TCP Flags: SYN)");
        assertThat(CompactFormatter.verdict(
                        verdict.toBuilder().setVerdict(Verdict.FORWARDED).build()))
                .isEqualTo("ALLOWED");
    }

    @Test
    void aDefaultDenyVerdictNamesThePoliciesThatMadeThePodDefaultDenyWithoutCallingThemItsDenier() {
        var verdict = HubbleFlows.denied(
                        AT,
                        "node-1",
                        HubbleFlows.pod("demo", "frontend", 17901, "frontend"),
                        "10.0.1.5",
                        43210,
                        HubbleFlows.pod("demo", "database", 29433, "database"),
                        "10.0.2.9",
                        80,
                        "demo",
                        "default-deny-ingress")
                .clearIngressDeniedBy()
                .clearIsReply()
                .setEventType(CiliumEventType.newBuilder().setType(5))
                .setExtensions(Any.pack(Struct.newBuilder()
                        .putFields(
                                CompactFormatter.DEFAULT_DENY_ENFORCED_BY,
                                Value.newBuilder()
                                        .setListValue(ListValue.newBuilder()
                                                .addValues(Value.newBuilder()
                                                        .setStringValue("NetworkPolicy/demo/default-deny-ingress")))
                                        .build())
                        .build()))
                .build();

        assertThat(formatter.format(verdict))
                .endsWith("policy-verdict:none INGRESS DENIED (TCP Flags: SYN) default deny by:"
                        + " NetworkPolicy/demo/default-deny-ingress");
    }

    @Test
    void reservedIdentitiesPrintByNameAndRepliesPointBack() {
        var flow = HubbleFlows.forwarded(
                        Instant.parse("2026-04-02T09:01:02.003Z"),
                        "node-2",
                        HubbleFlows.world(),
                        "203.0.113.7",
                        443,
                        HubbleFlows.pod("demo", "frontend", 17901, "frontend"),
                        "10.0.1.5",
                        43210)
                .setIsReply(BoolValue.of(true))
                .setL4(Layer4.newBuilder()
                        .setTCP(TCP.newBuilder()
                                .setSourcePort(443)
                                .setDestinationPort(43210)
                                .setFlags(TCPFlags.newBuilder().setSYN(true).setACK(true))))
                .build();
        assertThat(formatter.format(flow))
                .isEqualTo("Apr  2 09:01:02.003 [node-2]: demo/frontend:43210 (ID:17901) <- "
                        + "203.0.113.7:443 (world) to-endpoint FORWARDED (TCP Flags: SYN, ACK)");
        var host = flow.toBuilder()
                .setIsReply(BoolValue.of(false))
                .setSource(flow.getSource().toBuilder().setIdentity(1))
                .setNodeName("")
                .build();
        assertThat(formatter.format(host)).startsWith("Apr  2 09:01:02.003: 203.0.113.7:443 (host) -> ");
    }

    @Test
    void udpFlowsSummarizeTheProtocol() {
        var flow = HubbleFlows.dns(
                        AT,
                        "node-1",
                        HubbleFlows.pod("demo", "frontend", 17901, "frontend"),
                        "10.0.1.5",
                        HubbleFlows.pod("kube-system", "coredns-1", 102, "kube-dns"),
                        "10.0.3.3")
                .build();
        assertThat(formatter.format(flow)).endsWith("kube-system/coredns-1:53 (ID:102) to-endpoint FORWARDED (UDP)");
    }
}
