package dev.tendril.policy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ipBlock / CIDRSet with except, against CIDR identities the test supplies (as the identity service
 * would allocate them for the prefixes the ipcache holds): x/a talks to each prefix, to world and to pod
 * y/b, whose address only a Kubernetes ipBlock matches.
 */
class CidrPolicyTest {

    static final long TEN_TWO = 16_777_217L; // 10.2.0.0/16
    static final long TEN_ONE = 16_777_218L; // 10.1.0.0/16
    static final long TEN_ONE_FIVE = 16_777_219L; // 10.1.5.0/24
    static final long PRIVATE_192 = 16_777_220L; // 192.168.0.0/16
    /**
     * Pod y/b of {@link NetpolCluster} (10.0.1.20, fd00::114): a Kubernetes ipBlock holding its address
     * selects its identity, Cilium's CIDR rules never do.
     */
    static final long Y_B = 1005;

    record Case(String name, String manifest, boolean egress, Map<Long, Boolean> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(
                        "NP egress ipBlock 10/8 except 10.1/16",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: to-ten, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          policyTypes: [Egress]
                          egress:
                          - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
                        """,
                        true,
                        Map.of(
                                TEN_TWO,
                                true,
                                TEN_ONE,
                                false,
                                TEN_ONE_FIVE,
                                false,
                                PRIVATE_192,
                                false,
                                Identity.WORLD,
                                false,
                                Y_B,
                                true)),
                new Case(
                        "NP egress ipBlock 0/0 except 10/8 keeps world",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: internet, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          policyTypes: [Egress]
                          egress:
                          - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
                        """,
                        true,
                        Map.of(
                                TEN_TWO,
                                false,
                                TEN_ONE,
                                false,
                                TEN_ONE_FIVE,
                                false,
                                PRIVATE_192,
                                true,
                                Identity.WORLD,
                                true,
                                Y_B,
                                false)),
                new Case(
                        "NP ingress ipBlock from 10.1/16 except 10.1.5/24",
                        """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-ten-one, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - from: [{ipBlock: {cidr: 10.1.0.0/16, except: [10.1.5.0/24]}}]
                        """,
                        false,
                        Map.of(
                                TEN_TWO,
                                false,
                                TEN_ONE,
                                true,
                                TEN_ONE_FIVE,
                                false,
                                PRIVATE_192,
                                false,
                                Identity.WORLD,
                                false,
                                Y_B,
                                false)),
                new Case(
                        "CNP toCIDRSet and toCIDR",
                        """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: cidrs, namespace: x}
                        spec:
                          endpointSelector: {matchLabels: {pod: a}}
                          egress:
                          - toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.2.0.0/16]}]
                          - toCIDR: [192.168.0.0/16]
                        """,
                        true,
                        Map.of(
                                TEN_TWO,
                                false,
                                TEN_ONE,
                                true,
                                TEN_ONE_FIVE,
                                true,
                                PRIVATE_192,
                                true,
                                Identity.WORLD,
                                false,
                                Y_B,
                                false)),
                new Case(
                        "CNP toEntities world selects world and CIDR identities",
                        """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: world, namespace: x}
                        spec:
                          endpointSelector: {matchLabels: {pod: a}}
                          egress:
                          - toEntities: [world]
                        """,
                        true,
                        Map.of(
                                TEN_TWO,
                                true,
                                TEN_ONE,
                                true,
                                TEN_ONE_FIVE,
                                true,
                                PRIVATE_192,
                                true,
                                Identity.WORLD,
                                true,
                                Y_B,
                                false)),
                new Case(
                        "CNP egressDeny toCIDR beats toEntities world",
                        """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: world-but, namespace: x}
                        spec:
                          endpointSelector: {matchLabels: {pod: a}}
                          egress:
                          - toEntities: [world]
                          egressDeny:
                          - toCIDR: [10.1.0.0/16]
                        """,
                        true,
                        Map.of(
                                TEN_TWO,
                                true,
                                TEN_ONE,
                                false,
                                TEN_ONE_FIVE,
                                false,
                                PRIVATE_192,
                                true,
                                Identity.WORLD,
                                true,
                                Y_B,
                                false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cidrReachability(Case c) {
        NetpolCluster cluster = new NetpolCluster()
                .withCidrIdentity(TEN_TWO, "10.2.0.0/16")
                .withCidrIdentity(TEN_ONE, "10.1.0.0/16")
                .withCidrIdentity(TEN_ONE_FIVE, "10.1.5.0/24")
                .withCidrIdentity(PRIVATE_192, "192.168.0.0/16");
        NetpolCluster.Maps maps = cluster.load(c.manifest());
        Identity xa = cluster.pod("x/a");
        c.expected().forEach((peer, allowed) -> {
            var verdict =
                    c.egress() ? maps.egress(xa, peer, Protocol.TCP, 443) : maps.ingress(xa, peer, Protocol.TCP, 443);
            assertThat(verdict.forwarded()).as("%s: peer %d", c.name(), peer).isEqualTo(allowed);
        });
        assertThat(cluster.pod("y/b").id()).isEqualTo(Y_B);
    }
}
