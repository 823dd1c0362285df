package dev.tendril.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InfrastructureModeTest {

    @Test
    void unsetOrBlankMeansTheEmbeddedServers() {
        assertThat(InfrastructureMode.of(null)).isEqualTo(InfrastructureMode.EMBEDDED);
        assertThat(InfrastructureMode.of(" ")).isEqualTo(InfrastructureMode.EMBEDDED);
    }

    @Test
    void readsEitherNameInAnyCase() {
        assertThat(InfrastructureMode.of("embedded")).isEqualTo(InfrastructureMode.EMBEDDED);
        assertThat(InfrastructureMode.of(" Containers ")).isEqualTo(InfrastructureMode.CONTAINERS);
    }

    @Test
    void refusesAnyOtherValueNamingTheProperty() {
        assertThatThrownBy(() -> InfrastructureMode.of("docker"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("tendril.test.infrastructure=docker: expected embedded or containers");
    }

    @Test
    void letsATestStartItsOwnInProcessServerByDefault() {
        // The default build: nothing set, so this returns instead of skipping (KafkaBrokerTest relies on it).
        InfrastructureMode.refuseInProcessServer("KafkaBroker.start");
    }
}
