package dev.tendril.ipam.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.CommandRejectedException.Kind;
import dev.tendril.eventstore.GivenWhenThen;
import dev.tendril.ipam.domain.PoolCommand.AllocateNodeCidrs;
import dev.tendril.ipam.domain.PoolCommand.ReleaseNodeCidrs;
import dev.tendril.ipam.domain.PoolEvent.NodeAddressesClaimed;
import dev.tendril.ipam.domain.PoolEvent.PodCidrAllocated;
import dev.tendril.ipam.domain.PoolEvent.PodCidrReleased;
import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolDeciderTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final PoolDecider decider = new PoolDecider(IpamSettings.defaults());

    @Test
    void givesANewNodeOneCidrPerFamily() {
        GivenWhenThen.of(decider)
                .given()
                .when(new AllocateNodeCidrs("n1", T0))
                .then(
                        new PodCidrAllocated("n1", Cidr.parse("10.0.0.0/24")),
                        new PodCidrAllocated("n1", Cidr.parse("fd00::/120")));
    }

    @Test
    void givesANodeThatHasCidrsNothingNew() {
        GivenWhenThen.of(decider)
                .given(
                        new PodCidrAllocated("n1", Cidr.parse("10.0.0.0/24")),
                        new PodCidrAllocated("n1", Cidr.parse("fd00::/120")))
                .when(new AllocateNodeCidrs("n1", T0))
                .thenNothing();
    }

    @Test
    void givesTheNextNodeTheNextCidrAndReusesReleasedOnes() {
        GivenWhenThen.of(decider)
                .given(
                        new PodCidrAllocated("n1", Cidr.parse("10.0.0.0/24")),
                        new PodCidrAllocated("n2", Cidr.parse("10.0.1.0/24")),
                        new PodCidrReleased("n1", Cidr.parse("10.0.0.0/24"), T0))
                .when(new AllocateNodeCidrs("n3", T0.plusSeconds(30)))
                .then(
                        new PodCidrAllocated("n3", Cidr.parse("10.0.0.0/24")),
                        new PodCidrAllocated("n3", Cidr.parse("fd00::/120")));
    }

    @Test
    void aReleasedCidrIsQuarantinedBeforeAnotherNodeGetsIt() {
        GivenWhenThen.of(decider)
                .given(
                        new PodCidrAllocated("n1", Cidr.parse("10.0.0.0/24")),
                        new PodCidrReleased("n1", Cidr.parse("10.0.0.0/24"), T0))
                .when(new AllocateNodeCidrs("n2", T0.plusSeconds(29)))
                .then(
                        new PodCidrAllocated("n2", Cidr.parse("10.0.1.0/24")),
                        new PodCidrAllocated("n2", Cidr.parse("fd00::/120")));
    }

    @Test
    void releasesTheNodesCidrs() {
        GivenWhenThen.of(decider)
                .given(new PodCidrAllocated("n1", Cidr.parse("10.0.0.0/24")))
                .when(new ReleaseNodeCidrs("n1", T0))
                .then(new PodCidrReleased("n1", Cidr.parse("10.0.0.0/24"), T0));
        GivenWhenThen.of(decider).given().when(new ReleaseNodeCidrs("n1", T0)).thenNothing();
    }

    @Test
    void aNodeAddressBelongsToOneNodeOnly() {
        List<IpAddress> ip = List.of(IpAddress.parse("192.168.0.10"));
        var n1 = List.<PoolEvent>of(
                new NodeAddressesClaimed("n1", ip), new PodCidrAllocated("n1", Cidr.parse("10.0.0.0/24")));
        GivenWhenThen.of(decider)
                .given()
                .when(new AllocateNodeCidrs("n1", ip, T0))
                .then(
                        new NodeAddressesClaimed("n1", ip),
                        new PodCidrAllocated("n1", Cidr.parse("10.0.0.0/24")),
                        new PodCidrAllocated("n1", Cidr.parse("fd00::/120")));
        assertThatThrownBy(() -> decider.decide(new AllocateNodeCidrs("n2", ip, T0), decider.fold(n1)))
                .isInstanceOfSatisfying(CommandRejectedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.CONFLICT);
                    assertThat(e.field()).isEqualTo("ips");
                })
                .hasMessageContaining("192.168.0.10 is already the address of node 'n1'");
        // The holder may register again with it; once it is deregistered, another node may take it.
        GivenWhenThen.of(decider)
                .given(n1)
                .when(new AllocateNodeCidrs("n1", ip, T0))
                .then(new PodCidrAllocated("n1", Cidr.parse("fd00::/120")));
        GivenWhenThen.of(decider)
                .given(n1)
                .when(new ReleaseNodeCidrs("n1", T0))
                .then(
                        new PodCidrReleased("n1", Cidr.parse("10.0.0.0/24"), T0),
                        new NodeAddressesClaimed("n1", List.of()));
        var released = new ArrayList<>(n1);
        released.add(new PodCidrReleased("n1", Cidr.parse("10.0.0.0/24"), T0));
        released.add(new NodeAddressesClaimed("n1", List.of()));
        assertThat(decider.decide(new AllocateNodeCidrs("n2", ip, T0), decider.fold(released)))
                .startsWith(new NodeAddressesClaimed("n2", ip));
        // An address the node gave up is free for another node.
        var moved = new ArrayList<>(n1);
        moved.add(new NodeAddressesClaimed("n1", List.of(IpAddress.parse("192.168.0.11"))));
        assertThat(decider.decide(new AllocateNodeCidrs("n2", ip, T0), decider.fold(moved)))
                .startsWith(new NodeAddressesClaimed("n2", ip));
    }

    @Test
    void refusesABadNodeName() {
        GivenWhenThen.of(decider)
                .given()
                .when(new AllocateNodeCidrs("Node_1", T0))
                .thenRejected(Kind.INVALID, "name");
        GivenWhenThen.of(decider).given().when(new AllocateNodeCidrs("", T0)).thenRejected(Kind.INVALID, "name");
    }

    @Test
    void exhaustionNamesThePoolItsSizeAndUse() {
        PoolDecider small = new PoolDecider(IpamSettings.validated(
                List.of("10.0.0.0/26", "10.1.0.0/27"), 28, List.of(), 120, Duration.ZERO, Duration.ofMinutes(10)));
        List<PoolEvent> history = new ArrayList<>();
        PoolState state = small.initialState();
        for (int i = 0; i < 6; i++) {
            List<PoolEvent> events = small.decide(new AllocateNodeCidrs("n" + i, T0), state);
            events.forEach(e -> small.evolve(state, e));
            history.addAll(events);
        }
        assertThat(history)
                .extracting(e -> ((PodCidrAllocated) e).cidr().toString())
                .containsExactly(
                        "10.0.0.0/28", "10.0.0.16/28", "10.0.0.32/28", "10.0.0.48/28", "10.1.0.0/28", "10.1.0.16/28");
        assertThatThrownBy(() -> small.decide(new AllocateNodeCidrs("n6", T0), state))
                .isInstanceOfSatisfying(CommandRejectedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.CONFLICT);
                    assertThat(e.field()).isEqualTo("pool");
                })
                .hasMessageContaining("pool ipv4")
                .hasMessageContaining("exhausted")
                .hasMessageContaining("holds 6 node CIDRs of /28")
                .hasMessageContaining("6 are used");
    }
}
