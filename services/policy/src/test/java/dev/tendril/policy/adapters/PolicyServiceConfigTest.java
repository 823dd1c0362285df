package dev.tendril.policy.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PolicyServiceConfigTest {

    @Test
    void mapMaxEntriesIsClampedLikeCilium() {
        assertThat(PolicyServiceConfig.validMapMaxEntries(256)).isEqualTo(256);
        assertThat(PolicyServiceConfig.validMapMaxEntries(65536)).isEqualTo(65536);
        assertThatThrownBy(() -> PolicyServiceConfig.validMapMaxEntries(255)).hasMessageContaining("256..65536");
        assertThatThrownBy(() -> PolicyServiceConfig.validMapMaxEntries(65537)).hasMessageContaining("map-max-entries");
    }
}
