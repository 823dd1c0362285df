package dev.tendril.datapath;

import static dev.tendril.datapath.policymap.Direction.EGRESS;
import static dev.tendril.datapath.policymap.Direction.INGRESS;
import static dev.tendril.datapath.policymap.IpProtocol.SCTP;
import static dev.tendril.datapath.policymap.IpProtocol.TCP;
import static dev.tendril.datapath.policymap.IpProtocol.UDP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DatapathTest {
    static final long FRONTEND = 1001;
    static final long BACKEND = 1002;
    static final long V6_CLIENT = 1003;
    static final long EXTERNAL_CIDR = 0x01000001L;

    static final String FRONTEND_IP = "10.0.1.1";
    static final String BACKEND_IP = "10.0.1.2";
    static final String V6_CLIENT_IP = "fd00::1";
    static final String V6_SERVER_IP = "fd00::2";

    /** One row of the table: the policy map, the packet and what the kernel would decide. */
    record Case(
            String name,
            List<Entry> entries,
            Packet packet,
            Verdict.FlowVerdict verdict,
            DropReason reason,
            MatchType matchType,
            long remoteIdentity,
            PolicyMapKey matchedKey) {
        @Override
        public String toString() {
            return name;
        }
    }

    record Entry(PolicyMapKey key, PolicyMapValue value) {}

    static Entry allow(PolicyMapKey key) {
        return new Entry(key, PolicyMapValue.allow(key));
    }

    static Entry deny(PolicyMapKey key) {
        return new Entry(key, PolicyMapValue.deny(key));
    }

    static List<Entry> allowAll(List<PolicyMapKey> keys) {
        List<Entry> out = new ArrayList<>();
        keys.forEach(k -> out.add(allow(k)));
        return out;
    }

    static Packet packet(String from, String to, int protocol, int port, Direction direction) {
        return new Packet(InetAddress.ofLiteral(from), InetAddress.ofLiteral(to), protocol, port, direction);
    }

    static Packet toBackend(int protocol, int port) {
        return packet(FRONTEND_IP, BACKEND_IP, protocol, port, INGRESS);
    }

    static Case forwarded(
            String name, List<Entry> entries, Packet packet, MatchType type, long remote, PolicyMapKey matched) {
        return new Case(name, entries, packet, Verdict.FlowVerdict.FORWARDED, DropReason.NONE, type, remote, matched);
    }

    static Case dropped(
            String name,
            List<Entry> entries,
            Packet packet,
            DropReason reason,
            MatchType type,
            long remote,
            PolicyMapKey matched) {
        return new Case(name, entries, packet, Verdict.FlowVerdict.DROPPED, reason, type, remote, matched);
    }

    static Stream<Case> cases() {
        PolicyMapKey frontend80 = PolicyMapKey.of(FRONTEND, INGRESS, TCP, 80);
        PolicyMapKey any80 = PolicyMapKey.of(0, INGRESS, TCP, 80);
        PolicyMapKey allowAllKey = PolicyMapKey.anyProtocol(0, INGRESS);
        List<PolicyMapKey> range = PolicyMapKey.portRange(FRONTEND, INGRESS, TCP, 8080, 8090);
        return Stream.of(
                forwarded(
                        "allow by exact identity and port",
                        List.of(allow(frontend80)),
                        toBackend(TCP, 80),
                        MatchType.L3_L4,
                        FRONTEND,
                        frontend80),
                dropped(
                        "exact identity entry does not cover another port",
                        List.of(allow(frontend80)),
                        toBackend(TCP, 81),
                        DropReason.POLICY_DENIED,
                        MatchType.NONE,
                        FRONTEND,
                        null),
                dropped(
                        "exact identity entry does not cover another protocol",
                        List.of(allow(frontend80)),
                        toBackend(UDP, 80),
                        DropReason.POLICY_DENIED,
                        MatchType.NONE,
                        FRONTEND,
                        null),
                forwarded(
                        "L4-only allow via identity 0",
                        List.of(allow(any80)),
                        toBackend(TCP, 80),
                        MatchType.L4_ONLY,
                        FRONTEND,
                        any80),
                forwarded(
                        "allow-all entry",
                        List.of(allow(allowAllKey)),
                        toBackend(SCTP, 9999),
                        MatchType.ALL,
                        FRONTEND,
                        allowAllKey),
                forwarded(
                        "L3-only allow for the identity",
                        List.of(allow(PolicyMapKey.anyProtocol(FRONTEND, INGRESS))),
                        toBackend(UDP, 53),
                        MatchType.L3_ONLY,
                        FRONTEND,
                        PolicyMapKey.anyProtocol(FRONTEND, INGRESS)),
                forwarded(
                        "proto-only allow via identity 0",
                        List.of(allow(PolicyMapKey.anyPort(0, INGRESS, UDP))),
                        toBackend(UDP, 5353),
                        MatchType.PROTO_ONLY,
                        FRONTEND,
                        PolicyMapKey.anyPort(0, INGRESS, UDP)),
                forwarded(
                        "L3-proto allow for the identity",
                        List.of(allow(PolicyMapKey.anyPort(FRONTEND, INGRESS, TCP))),
                        toBackend(TCP, 22),
                        MatchType.L3_PROTO,
                        FRONTEND,
                        PolicyMapKey.anyPort(FRONTEND, INGRESS, TCP)),
                forwarded(
                        "port range 8080-8090 allows 8085 through the /13 block",
                        allowAll(range),
                        toBackend(TCP, 8085),
                        MatchType.L3_L4,
                        FRONTEND,
                        PolicyMapKey.portPrefix(FRONTEND, INGRESS, TCP, 8080, 13)),
                forwarded(
                        "port range 8080-8090 allows 8089 through the /15 block",
                        allowAll(range),
                        toBackend(TCP, 8089),
                        MatchType.L3_L4,
                        FRONTEND,
                        PolicyMapKey.portPrefix(FRONTEND, INGRESS, TCP, 8088, 15)),
                forwarded(
                        "port range 8080-8090 allows its last port exactly",
                        allowAll(range),
                        toBackend(TCP, 8090),
                        MatchType.L3_L4,
                        FRONTEND,
                        PolicyMapKey.of(FRONTEND, INGRESS, TCP, 8090)),
                dropped(
                        "port range 8080-8090 does not allow 8091",
                        allowAll(range),
                        toBackend(TCP, 8091),
                        DropReason.POLICY_DENIED,
                        MatchType.NONE,
                        FRONTEND,
                        null),
                dropped(
                        "port range 8080-8090 does not allow 8079",
                        allowAll(range),
                        toBackend(TCP, 8079),
                        DropReason.POLICY_DENIED,
                        MatchType.NONE,
                        FRONTEND,
                        null),
                dropped(
                        "deny on the identity beats allow-all on identity 0",
                        List.of(deny(frontend80), allow(allowAllKey)),
                        toBackend(TCP, 80),
                        DropReason.POLICY_DENY,
                        MatchType.L3_L4,
                        FRONTEND,
                        frontend80),
                dropped(
                        "deny on identity 0 beats allow on the exact identity",
                        List.of(allow(frontend80), deny(PolicyMapKey.anyPort(0, INGRESS, TCP))),
                        toBackend(TCP, 80),
                        DropReason.POLICY_DENY,
                        MatchType.PROTO_ONLY,
                        FRONTEND,
                        PolicyMapKey.anyPort(0, INGRESS, TCP)),
                dropped(
                        "deny-all on identity 0 beats an exact allow",
                        List.of(allow(frontend80), deny(allowAllKey)),
                        toBackend(TCP, 80),
                        DropReason.POLICY_DENY,
                        MatchType.ALL,
                        FRONTEND,
                        allowAllKey),
                dropped(
                        "identity deny for the whole protocol drops a port without a longer entry",
                        List.of(allow(frontend80), deny(PolicyMapKey.anyPort(FRONTEND, INGRESS, TCP))),
                        toBackend(TCP, 81),
                        DropReason.POLICY_DENY,
                        MatchType.L3_PROTO,
                        FRONTEND,
                        PolicyMapKey.anyPort(FRONTEND, INGRESS, TCP)),
                forwarded(
                        "within one identity the longest prefix decides, even over a shorter deny",
                        List.of(allow(frontend80), deny(PolicyMapKey.anyPort(FRONTEND, INGRESS, TCP))),
                        toBackend(TCP, 80),
                        MatchType.L3_L4,
                        FRONTEND,
                        frontend80),
                forwarded(
                        "identity 0 with a longer L4 prefix beats the identity's L3-only allow",
                        List.of(allow(PolicyMapKey.anyProtocol(FRONTEND, INGRESS)), allow(any80)),
                        toBackend(TCP, 80),
                        MatchType.L4_ONLY,
                        FRONTEND,
                        any80),
                forwarded(
                        "equal L4 prefixes: the identity-specific entry wins",
                        List.of(allow(frontend80), allow(any80)),
                        toBackend(TCP, 80),
                        MatchType.L3_L4,
                        FRONTEND,
                        frontend80),
                forwarded(
                        "higher proxy port priority on identity 0 beats a longer identity prefix",
                        List.of(
                                allow(frontend80),
                                new Entry(
                                        PolicyMapKey.anyPort(0, INGRESS, TCP),
                                        PolicyMapValue.allow(PolicyMapKey.anyPort(0, INGRESS, TCP))
                                                .withProxy(15001, 1))),
                        toBackend(TCP, 80),
                        MatchType.PROTO_ONLY,
                        FRONTEND,
                        PolicyMapKey.anyPort(0, INGRESS, TCP)),
                dropped(
                        "no entry: policy denied",
                        List.of(),
                        toBackend(TCP, 80),
                        DropReason.POLICY_DENIED,
                        MatchType.NONE,
                        FRONTEND,
                        null),
                dropped(
                        "ingress entries do not apply to egress",
                        List.of(allow(PolicyMapKey.of(BACKEND, INGRESS, TCP, 80))),
                        packet(FRONTEND_IP, BACKEND_IP, TCP, 80, EGRESS),
                        DropReason.POLICY_DENIED,
                        MatchType.NONE,
                        BACKEND,
                        null),
                forwarded(
                        "egress is keyed by the destination's identity",
                        List.of(allow(PolicyMapKey.of(BACKEND, EGRESS, TCP, 80))),
                        packet(FRONTEND_IP, BACKEND_IP, TCP, 80, EGRESS),
                        MatchType.L3_L4,
                        BACKEND,
                        PolicyMapKey.of(BACKEND, EGRESS, TCP, 80)),
                forwarded(
                        "egress to a CIDR identity from the ipcache",
                        List.of(allow(PolicyMapKey.of(EXTERNAL_CIDR, EGRESS, TCP, 443))),
                        packet(BACKEND_IP, "192.0.2.77", TCP, 443, EGRESS),
                        MatchType.L3_L4,
                        EXTERNAL_CIDR,
                        PolicyMapKey.of(EXTERNAL_CIDR, EGRESS, TCP, 443)),
                forwarded(
                        "unknown source address is the world identity",
                        List.of(allow(PolicyMapKey.anyProtocol(Datapath.IDENTITY_WORLD, INGRESS))),
                        packet("8.8.8.8", BACKEND_IP, TCP, 80, INGRESS),
                        MatchType.L3_ONLY,
                        Datapath.IDENTITY_WORLD,
                        PolicyMapKey.anyProtocol(Datapath.IDENTITY_WORLD, INGRESS)),
                dropped(
                        "unknown source address without a world entry",
                        List.of(allow(frontend80)),
                        packet("8.8.8.8", BACKEND_IP, TCP, 80, INGRESS),
                        DropReason.POLICY_DENIED,
                        MatchType.NONE,
                        Datapath.IDENTITY_WORLD,
                        null),
                forwarded(
                        "IPv6 peer resolved through the ipcache",
                        List.of(allow(PolicyMapKey.of(V6_CLIENT, INGRESS, TCP, 443))),
                        packet(V6_CLIENT_IP, V6_SERVER_IP, TCP, 443, INGRESS),
                        MatchType.L3_L4,
                        V6_CLIENT,
                        PolicyMapKey.of(V6_CLIENT, INGRESS, TCP, 443)),
                dropped(
                        "unknown IPv6 peer is the world identity",
                        List.of(allow(PolicyMapKey.of(V6_CLIENT, INGRESS, TCP, 443))),
                        packet("2001:db8::9", V6_SERVER_IP, TCP, 443, INGRESS),
                        DropReason.POLICY_DENIED,
                        MatchType.NONE,
                        Datapath.IDENTITY_WORLD,
                        null),
                dropped(
                        "allow that requires authentication",
                        List.of(new Entry(
                                frontend80, PolicyMapValue.allow(frontend80).withAuth(1, true))),
                        toBackend(TCP, 80),
                        DropReason.AUTH_REQUIRED,
                        MatchType.L3_L4,
                        FRONTEND,
                        frontend80),
                dropped(
                        "auth type propagates from the less specific match when the chosen one has none explicit",
                        List.of(
                                allow(frontend80),
                                new Entry(
                                        PolicyMapKey.anyPort(0, INGRESS, TCP),
                                        PolicyMapValue.allow(PolicyMapKey.anyPort(0, INGRESS, TCP))
                                                .withAuth(1, true))),
                        toBackend(TCP, 80),
                        DropReason.AUTH_REQUIRED,
                        MatchType.L3_L4,
                        FRONTEND,
                        frontend80));
    }

    static Ipcache ipcache() {
        Ipcache ipcache = Ipcache.inMemory("cilium_ipcache_v2", 1024);
        ipcache.put(IpcacheKey.ofAddress(FRONTEND_IP), IpcacheValue.of(FRONTEND));
        ipcache.put(
                IpcacheKey.ofAddress(BACKEND_IP), IpcacheValue.remote(BACKEND, InetAddress.ofLiteral("192.168.0.2")));
        ipcache.put(IpcacheKey.ofCidr("192.0.2.0/24"), IpcacheValue.of(EXTERNAL_CIDR));
        ipcache.put(IpcacheKey.ofAddress(V6_CLIENT_IP), IpcacheValue.of(V6_CLIENT));
        return ipcache;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decidesAsTheKernelDoes(Case c) {
        PolicyMap policyMap = PolicyMap.inMemory("cilium_policy_v2_00042", PolicyMap.MIN_MAX_ENTRIES);
        c.entries().forEach(e -> policyMap.put(e.key(), e.value()));

        Verdict v = new Datapath(ipcache()).evaluate(policyMap, c.packet());

        assertThat(v.verdict()).as("verdict").isEqualTo(c.verdict());
        assertThat(v.dropReason()).as("drop reason").isEqualTo(c.reason());
        assertThat(v.matchType()).as("match type").isEqualTo(c.matchType());
        assertThat(v.remoteIdentity()).as("remote identity").isEqualTo(c.remoteIdentity());
        assertThat(v.direction()).as("direction").isEqualTo(c.packet().direction());
        assertThat(v.matchedKey()).as("matched key").isEqualTo(c.matchedKey());
        if (c.matchedKey() != null) {
            assertThat(policyMap.get(c.matchedKey()))
                    .as("matched key is stored")
                    .contains(v.matchedValue());
        }
    }

    @Test
    void dualStackWorldIdentitiesAreConfigurable() {
        Datapath datapath = new Datapath(ipcache(), 9, 10);
        assertThat(datapath.resolveIdentity(InetAddress.ofLiteral("8.8.8.8"))).isEqualTo(9);
        assertThat(datapath.resolveIdentity(InetAddress.ofLiteral("2001:db8::9")))
                .isEqualTo(10);
        assertThat(datapath.resolveIdentity(InetAddress.ofLiteral(FRONTEND_IP))).isEqualTo(FRONTEND);
    }

    @Test
    void anIpcacheDefaultRouteOverridesTheWorldFallback() {
        Ipcache ipcache = ipcache();
        ipcache.put(IpcacheKey.ofCidr("0.0.0.0/0"), IpcacheValue.of(Datapath.IDENTITY_WORLD));
        ipcache.put(IpcacheKey.ofCidr("10.0.0.0/8"), IpcacheValue.of(EXTERNAL_CIDR + 1));
        Datapath datapath = new Datapath(ipcache, 9, 10);
        assertThat(datapath.resolveIdentity(InetAddress.ofLiteral("8.8.8.8"))).isEqualTo(Datapath.IDENTITY_WORLD);
        assertThat(datapath.resolveIdentity(InetAddress.ofLiteral("10.9.9.9"))).isEqualTo(EXTERNAL_CIDR + 1);
        assertThat(datapath.resolveIdentity(InetAddress.ofLiteral(FRONTEND_IP))).isEqualTo(FRONTEND);
    }

    @Test
    void reportsHubbleNumbers() {
        assertThat(DropReason.POLICY_DENIED.code()).isEqualTo(133);
        assertThat(DropReason.POLICY_DENY.code()).isEqualTo(181);
        assertThat(DropReason.POLICY_DENY.description()).isEqualTo("Policy denied by denylist");
        assertThat(MatchType.L3_ONLY.hubbleValue()).isEqualTo(1);
        assertThat(MatchType.L3_L4.hubbleValue()).isEqualTo(2);
        assertThat(MatchType.L4_ONLY.hubbleValue()).isEqualTo(3);
        assertThat(MatchType.ALL.hubbleValue()).isEqualTo(4);
        assertThat(MatchType.L3_PROTO.hubbleValue()).isEqualTo(5);
        assertThat(MatchType.PROTO_ONLY.hubbleValue()).isEqualTo(6);
        assertThat(Verdict.FlowVerdict.FORWARDED.hubbleValue()).isEqualTo(1);
        assertThat(Verdict.FlowVerdict.DROPPED.hubbleValue()).isEqualTo(2);
        assertThat(INGRESS.hubbleValue()).isEqualTo(1);
        assertThat(EGRESS.hubbleValue()).isEqualTo(2);
    }
}
