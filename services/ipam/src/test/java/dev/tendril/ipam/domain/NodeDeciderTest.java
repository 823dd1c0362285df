package dev.tendril.ipam.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.CommandRejectedException.Kind;
import dev.tendril.eventstore.GivenWhenThen;
import dev.tendril.ipam.domain.NodeCommand.AllocatePodIps;
import dev.tendril.ipam.domain.NodeCommand.ConfirmPodIps;
import dev.tendril.ipam.domain.NodeCommand.DeregisterNode;
import dev.tendril.ipam.domain.NodeCommand.ExpireUnconfirmed;
import dev.tendril.ipam.domain.NodeCommand.RegisterNode;
import dev.tendril.ipam.domain.NodeCommand.ReleasePod;
import dev.tendril.ipam.domain.NodeCommand.ReleasePodIp;
import dev.tendril.ipam.domain.NodeEvent.NodeDeregistered;
import dev.tendril.ipam.domain.NodeEvent.NodeRegistered;
import dev.tendril.ipam.domain.NodeEvent.PodIpAllocated;
import dev.tendril.ipam.domain.NodeEvent.PodIpReleased;
import dev.tendril.ipam.domain.NodeEvent.PodIpsConfirmed;
import dev.tendril.ipam.domain.NodeEvent.ReleaseReason;
import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeDeciderTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration QUARANTINE = Duration.ofSeconds(30);
    private static final Duration EXPIRY = Duration.ofMinutes(10);
    private static final IpAddress NODE_IP = IpAddress.parse("192.168.0.10");

    private final NodeDecider decider = new NodeDecider("n1", QUARANTINE, EXPIRY);

    private static NodeRegistered registered(String... cidrs) {
        List<Cidr> list =
                java.util.Arrays.stream(cidrs).map(Cidr::parse).sorted().toList();
        return new NodeRegistered(
                "n1",
                List.of(NODE_IP),
                "",
                list,
                list.stream().map(c -> c.addressAt(1)).toList());
    }

    private static PodIpAllocated allocated(String ip, String owner, String uid, Instant at) {
        return new PodIpAllocated("n1", IpAddress.parse(ip), owner, uid, at);
    }

    @Test
    void registersWithTheRouterAddressReservedFirst() {
        GivenWhenThen.of(decider)
                .given()
                .when(new RegisterNode(
                        "n1", List.of(NODE_IP), "", List.of(Cidr.parse("fd00::/120"), Cidr.parse("10.0.0.0/24"))))
                .then(new NodeRegistered(
                        "n1",
                        List.of(NODE_IP),
                        "",
                        List.of(Cidr.parse("10.0.0.0/24"), Cidr.parse("fd00::/120")),
                        List.of(IpAddress.parse("10.0.0.1"), IpAddress.parse("fd00::1"))));
    }

    @Test
    void registeringAgainTheSameWayChangesNothing() {
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"))
                .when(new RegisterNode("n1", List.of(NODE_IP), "", List.of(Cidr.parse("10.0.0.0/24"))))
                .thenNothing();
    }

    @Test
    void allocatesOneAddressPerFamilyNeverNetworkOrRouter() {
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24", "fd00::/120"))
                .when(new AllocatePodIps("n1", "demo/a", "u1", T0))
                .then(allocated("10.0.0.2", "demo/a", "u1", T0), allocated("fd00::2", "demo/a", "u1", T0));
    }

    @Test
    void aRetryWithTheSameUidReturnsTheSameAddresses() {
        var outcome = GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"), allocated("10.0.0.2", "demo/a", "u1", T0))
                .when(new AllocatePodIps("n1", "demo/a", "u1", T0.plusSeconds(1)))
                .thenNothing();
        assertThat(outcome.stateAfter().allocationOf("u1").orElseThrow().ips())
                .containsExactly(IpAddress.parse("10.0.0.2"));
    }

    @Test
    void theSameUidForAnotherOwnerIsAConflict() {
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"), allocated("10.0.0.2", "demo/a", "u1", T0))
                .when(new AllocatePodIps("n1", "demo/b", "u1", T0))
                .thenRejected(Kind.CONFLICT, "uid");
    }

    @Test
    void refusesBadInputAndUnknownNodes() {
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"))
                .when(new AllocatePodIps("n1", "", "u1", T0))
                .thenRejected(Kind.INVALID, "owner");
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"))
                .when(new AllocatePodIps("n1", "nopod", "u1", T0))
                .thenRejected(Kind.INVALID, "owner");
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"))
                .when(new AllocatePodIps("n1", "demo/a", " ", T0))
                .thenRejected(Kind.INVALID, "uid");
        GivenWhenThen.of(decider)
                .given()
                .when(new AllocatePodIps("n1", "demo/a", "u1", T0))
                .thenRejected(Kind.NOT_FOUND, "name");
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"))
                .when(new ReleasePodIp("n1", IpAddress.parse("10.9.0.2"), "u1", T0))
                .thenRejected(Kind.INVALID, "ip");
    }

    @Test
    void aStaleReleaseFreesNothingAndSaysSo() {
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"), allocated("10.0.0.2", "demo/a", "u2", T0))
                .when(new ReleasePodIp("n1", IpAddress.parse("10.0.0.2"), "u1", T0))
                .thenRejected(Kind.CONFLICT, "uid");
    }

    @Test
    void releasingAPodFreesEveryAddressItsUidHolds() {
        GivenWhenThen.of(decider)
                .given(
                        registered("10.0.0.0/24", "fd00::/120"),
                        allocated("10.0.0.2", "demo/a", "u1", T0),
                        allocated("fd00::2", "demo/a", "u1", T0),
                        allocated("10.0.0.3", "demo/b", "u2", T0))
                .when(new ReleasePod("n1", "u1", T0))
                .then(
                        new PodIpReleased("n1", IpAddress.parse("10.0.0.2"), "u1", T0, ReleaseReason.RELEASED),
                        new PodIpReleased("n1", IpAddress.parse("fd00::2"), "u1", T0, ReleaseReason.RELEASED));
    }

    @Test
    void releasingAPodByAStaleUidFreesNothing() {
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"), allocated("10.0.0.2", "demo/a", "u2", T0))
                .when(new ReleasePod("n1", "u1", T0))
                .thenNothing();
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"))
                .when(new ReleasePod("n1", " ", T0))
                .thenRejected(Kind.INVALID, "uid");
        GivenWhenThen.of(decider).given().when(new ReleasePod("n1", "u1", T0)).thenRejected(Kind.NOT_FOUND, "name");
    }

    @Test
    void releasingAFreeAddressIsANoOp() {
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"))
                .when(new ReleasePodIp("n1", IpAddress.parse("10.0.0.7"), "u1", T0))
                .thenNothing();
    }

    @Test
    void aReleasedAddressIsQuarantined() {
        var given = List.<NodeEvent>of(
                registered("10.0.0.0/30"),
                allocated("10.0.0.2", "demo/a", "u1", T0),
                new PodIpReleased("n1", IpAddress.parse("10.0.0.2"), "u1", T0, ReleaseReason.RELEASED));
        // A /30 has exactly one pod address: during quarantine the node is full and says why.
        assertThatThrownBy(() -> decider.decide(
                        new AllocatePodIps("n1", "demo/b", "u2", T0.plusSeconds(29)), decider.fold(given)))
                .isInstanceOf(CommandRejectedException.class)
                .hasMessageContaining("node 'n1'")
                .hasMessageContaining("quarantine");
        GivenWhenThen.of(decider)
                .given(given)
                .when(new AllocatePodIps("n1", "demo/b", "u2", T0.plusSeconds(30)))
                .then(allocated("10.0.0.2", "demo/b", "u2", T0.plusSeconds(30)));
    }

    @Test
    void aRolledBackAllocationThatWasNeverConfirmedIsFreeAtOnce() {
        var given = List.<NodeEvent>of(registered("10.0.0.0/30"), allocated("10.0.0.2", "demo/a", "u1", T0));
        GivenWhenThen.of(decider)
                .given(given)
                .when(new ReleasePod("n1", "u1", T0, true))
                .then(new PodIpReleased("n1", IpAddress.parse("10.0.0.2"), "u1", T0, ReleaseReason.ROLLED_BACK));
        // A /30 has exactly one pod address: after a rollback the next pod gets it at once, no quarantine.
        var rolledBack = new java.util.ArrayList<>(given);
        rolledBack.add(new PodIpReleased("n1", IpAddress.parse("10.0.0.2"), "u1", T0, ReleaseReason.ROLLED_BACK));
        var outcome = GivenWhenThen.of(decider)
                .given(rolledBack)
                .when(new AllocatePodIps("n1", "demo/b", "u2", T0))
                .then(allocated("10.0.0.2", "demo/b", "u2", T0));
        assertThat(outcome.stateAfter().quarantinedCount(IpFamily.IPV4, T0)).isZero();
    }

    @Test
    void aRollbackOfAConfirmedAllocationIsQuarantinedAllTheSame() {
        // Confirmed: an endpoint had the address, so ipcaches may still hold it.
        GivenWhenThen.of(decider)
                .given(
                        registered("10.0.0.0/24"),
                        allocated("10.0.0.2", "demo/a", "u1", T0),
                        new PodIpsConfirmed("n1", "u1"))
                .when(new ReleasePod("n1", "u1", T0, true))
                .then(new PodIpReleased("n1", IpAddress.parse("10.0.0.2"), "u1", T0, ReleaseReason.RELEASED));
    }

    @Test
    void refusesNodesWithoutAddressesOrWithAddressesNoHostCanHave() {
        record Case(String name, List<String> ips, String reason) {}
        List<String> seventeen = java.util.stream.IntStream.rangeClosed(1, 17)
                .mapToObj(i -> "192.168.0." + i)
                .toList();
        for (Case c : List.of(
                new Case("none", List.of(), "at least one address"),
                new Case("unspecified", List.of("0.0.0.0"), "unspecified"),
                new Case("v6 unspecified", List.of("::"), "unspecified"),
                new Case("broadcast", List.of("255.255.255.255"), "broadcast"),
                new Case("multicast", List.of("224.0.0.1"), "multicast"),
                new Case("v6 multicast", List.of("ff02::1"), "multicast"),
                new Case("duplicate", List.of("192.168.0.1", "192.168.0.1"), "twice"),
                new Case("seventeen", seventeen, "at most 16"))) {
            assertThatThrownBy(() -> decider.decide(
                            new RegisterNode(
                                    "n1",
                                    c.ips().stream().map(IpAddress::parse).toList(),
                                    "",
                                    List.of(Cidr.parse("10.0.0.0/24"))),
                            decider.initialState()))
                    .as(c.name())
                    .isInstanceOfSatisfying(CommandRejectedException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.INVALID);
                        assertThat(e.field()).isEqualTo("ips");
                    })
                    .hasMessageContaining(c.reason());
        }
        List<String> sixteen = seventeen.subList(0, 16);
        assertThat(decider.decide(
                        new RegisterNode(
                                "n1",
                                sixteen.stream().map(IpAddress::parse).toList(),
                                "",
                                List.of(Cidr.parse("10.0.0.0/24"))),
                        decider.initialState()))
                .hasSize(1);
        assertThat(decider.decide(
                        new RegisterNode(
                                "n1", List.of(IpAddress.parse("127.0.0.11")), "", List.of(Cidr.parse("10.0.0.0/24"))),
                        decider.initialState()))
                .as("loopback, as the local stack uses")
                .hasSize(1);
    }

    @Test
    void refusesOwnersAndUidsKubernetesWouldNotName() {
        for (String owner : List.of(
                "Demo/a",
                "demo/A",
                "demo/a b",
                "demo/-a",
                "de_mo/a",
                "demo/a\u0000",
                " demo/a",
                "demo/" + "a".repeat(254))) {
            GivenWhenThen.of(decider)
                    .given(registered("10.0.0.0/24"))
                    .when(new AllocatePodIps("n1", owner, "u1", T0))
                    .thenRejected(Kind.INVALID, "owner");
        }
        for (String uid : List.of("u".repeat(129), "u\n1", "<script>", "u 1", "u\u007f")) {
            GivenWhenThen.of(decider)
                    .given(registered("10.0.0.0/24"))
                    .when(new AllocatePodIps("n1", "demo/a", uid, T0))
                    .thenRejected(Kind.INVALID, "uid");
        }
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"))
                .when(new AllocatePodIps("n1", "demo/web-1.v2", "6f1c2d3e-0000-4000-8000-000000000001", T0))
                .then(allocated("10.0.0.2", "demo/web-1.v2", "6f1c2d3e-0000-4000-8000-000000000001", T0));
    }

    @Test
    void unconfirmedAllocationsExpireConfirmedOnesDoNot() {
        Instant later = T0.plus(EXPIRY);
        GivenWhenThen.of(decider)
                .given(
                        registered("10.0.0.0/24"),
                        allocated("10.0.0.2", "demo/a", "u1", T0),
                        allocated("10.0.0.3", "demo/b", "u2", T0),
                        new PodIpsConfirmed("n1", "u2"))
                .when(new ExpireUnconfirmed("n1", later))
                .then(new PodIpReleased("n1", IpAddress.parse("10.0.0.2"), "u1", later, ReleaseReason.EXPIRED));
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"), allocated("10.0.0.2", "demo/a", "u1", T0))
                .when(new ExpireUnconfirmed("n1", later.minusMillis(1)))
                .thenNothing();
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"), allocated("10.0.0.2", "demo/a", "u1", T0))
                .when(new ConfirmPodIps("n1", "u1"))
                .then(new PodIpsConfirmed("n1", "u1"));
    }

    @Test
    void deregistrationWaitsForPodsUnlessForced() {
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"), allocated("10.0.0.2", "demo/a", "u1", T0))
                .when(new DeregisterNode("n1", false, T0))
                .thenRejected(Kind.CONFLICT, "name");
        GivenWhenThen.of(decider)
                .given(registered("10.0.0.0/24"), allocated("10.0.0.2", "demo/a", "u1", T0))
                .when(new DeregisterNode("n1", true, T0))
                .then(new NodeDeregistered("n1", true, T0));
    }

    @Test
    void a28FillsUpExactlyWith13Pods() {
        assertFillsExactly("10.0.0.0/28", 13, Set.of("10.0.0.0", "10.0.0.1", "10.0.0.15"));
    }

    @Test
    void a120FillsUpExactlyWith254Pods() {
        assertFillsExactly("fd00::/120", 254, Set.of("fd00::", "fd00::1"));
    }

    @Test
    void a24FillsUpExactlyWith253Pods() {
        assertFillsExactly("10.0.0.0/24", 253, Set.of("10.0.0.0", "10.0.0.1", "10.0.0.255"));
    }

    private void assertFillsExactly(String cidr, int pods, Set<String> never) {
        NodeState state = decider.fold(List.of(registered(cidr)));
        Set<IpAddress> seen = new HashSet<>();
        for (int i = 0; i < pods; i++) {
            List<NodeEvent> events = decider.decide(new AllocatePodIps("n1", "demo/p" + i, "u" + i, T0), state);
            assertThat(events).hasSize(1);
            IpAddress ip = ((PodIpAllocated) events.getFirst()).ip();
            assertThat(seen.add(ip)).as("distinct %s", ip).isTrue();
            assertThat(never).doesNotContain(ip.toString());
            assertThat(Cidr.parse(cidr).contains(ip)).isTrue();
            decider.evolve(state, events.getFirst());
        }
        IpFamily family = Cidr.parse(cidr).family();
        assertThat(state.allocatedCount(family)).isEqualTo(pods);
        assertThat(state.capacity(family)).isEqualTo(pods);
        assertThatThrownBy(() -> decider.decide(new AllocatePodIps("n1", "demo/full", "full", T0), state))
                .isInstanceOfSatisfying(CommandRejectedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.CONFLICT);
                    assertThat(e.field()).isEqualTo("node");
                })
                .hasMessageContaining("node 'n1'")
                .hasMessageContaining(pods + " allocated");
        // Freeing one makes exactly that one available again, after quarantine.
        IpAddress freed = seen.iterator().next();
        String uid = state.ownerOf(freed).orElseThrow();
        decider.decide(new ReleasePodIp("n1", freed, uid, T0), state).forEach(e -> decider.evolve(state, e));
        List<NodeEvent> again =
                decider.decide(new AllocatePodIps("n1", "demo/next", "next", T0.plus(QUARANTINE)), state);
        assertThat(again).containsExactly(allocated(freed.toString(), "demo/next", "next", T0.plus(QUARANTINE)));
    }
}
