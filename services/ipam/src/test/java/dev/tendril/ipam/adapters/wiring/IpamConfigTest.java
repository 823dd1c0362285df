package dev.tendril.ipam.adapters.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.ipam.domain.InvalidIpamConfigException;
import dev.tendril.net.IpFamily;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Config to settings, the step that stops the start with a clear message when pools are bad. */
class IpamConfigTest {

    private record Family(boolean enabled, List<String> cidrs, int nodeMask) implements IpamConfig.Family {}

    private record Config(Family ipv4, Family ipv6) implements IpamConfig {
        public Duration quarantine() {
            return Duration.ofSeconds(30);
        }

        public Duration unconfirmedExpiry() {
            return Duration.ofMinutes(10);
        }

        public Duration expirySweep() {
            return Duration.ofSeconds(30);
        }

        public int writers() {
            return 4;
        }

        public String cluster() {
            return "default";
        }

        public String nodesTopic() {
            return "tendril.nodes";
        }

        public Leaks leaks() {
            return null;
        }
    }

    @Test
    void aDisabledFamilyHasNoPool() {
        var settings = IpamProducer.settings(
                new Config(new Family(true, List.of("10.0.0.0/8"), 24), new Family(false, List.of("fd00::/104"), 120)));
        assertThat(settings.pool(IpFamily.IPV6)).isEmpty();
        assertThat(settings.pool(IpFamily.IPV4)).isPresent();
    }

    @Test
    void overlappingPoolsStopTheStartNamingBoth() {
        assertThatThrownBy(() -> IpamProducer.settings(new Config(
                        new Family(true, List.of("10.0.0.0/8", "10.128.0.0/9"), 24),
                        new Family(true, List.of("fd00::/104"), 120))))
                .isInstanceOf(InvalidIpamConfigException.class)
                .hasMessage("invalid IPAM configuration: pool CIDRs 10.0.0.0/8 and 10.128.0.0/9 overlap");
    }
}
