package dev.tendril.identity.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReservedIdentityTest {

    @Test
    void hasCiliumsIdsAndNames() {
        assertThat(ReservedIdentity.values())
                .extracting(ReservedIdentity::id)
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(ReservedIdentity.byId(6)).contains(ReservedIdentity.REMOTE_NODE);
        assertThat(ReservedIdentity.REMOTE_NODE.label()).isEqualTo("remote-node");
        assertThat(ReservedIdentity.HOST.labels().strings()).containsExactly("reserved:host");
        assertThat(ReservedIdentity.byId(0)).isEmpty();
        assertThat(ReservedIdentity.byId(256)).isEmpty();
    }

    @Test
    void splitsWorldInDualStackOnly() {
        assertThat(ReservedIdentity.inUse(true))
                .contains(ReservedIdentity.WORLD, ReservedIdentity.WORLD_IPV4, ReservedIdentity.WORLD_IPV6);
        assertThat(ReservedIdentity.inUse(false))
                .contains(ReservedIdentity.WORLD)
                .doesNotContain(ReservedIdentity.WORLD_IPV4, ReservedIdentity.WORLD_IPV6);
        assertThat(ReservedIdentity.world(true, true).id()).isEqualTo(10);
        assertThat(ReservedIdentity.world(true, false).id()).isEqualTo(9);
        assertThat(ReservedIdentity.world(false, true).id()).isEqualTo(2);
        assertThat(ReservedIdentity.WORLD_IPV6.labels().strings())
                .containsExactly("reserved:world", "reserved:world-ipv6");
    }
}
