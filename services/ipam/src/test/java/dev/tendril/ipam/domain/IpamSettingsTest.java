package dev.tendril.ipam.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpFamily;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpamSettingsTest {

    private static final Duration Q = Duration.ofSeconds(30);
    private static final Duration E = Duration.ofMinutes(10);

    @Test
    void defaultsAreCiliumClusterPool() {
        IpamSettings settings = IpamSettings.defaults();
        assertThat(settings.pool(IpFamily.IPV4).orElseThrow().cidrs()).containsExactly(Cidr.parse("10.0.0.0/8"));
        assertThat(settings.pool(IpFamily.IPV4).orElseThrow().nodeMask()).isEqualTo(24);
        assertThat(settings.pool(IpFamily.IPV6).orElseThrow().nodeMask()).isEqualTo(120);
        assertThat(settings.pool(IpFamily.IPV6).orElseThrow().nodeCidrCapacity())
                .isEqualTo(65536);
    }

    @Test
    void eitherFamilyMayBeOff() {
        assertThat(IpamSettings.validated(List.of(), 24, List.of("fd00::/104"), 120, Q, E)
                        .pools())
                .hasSize(1);
        assertThat(IpamSettings.validated(List.of("10.0.0.0/8"), 24, List.of(), 120, Q, E)
                        .pools())
                .hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "overlapping pools        | 10.0.0.0/8;10.1.0.0/16 | 24 | fd00::/104 | 120 | overlap",
                "node mask shorter        | 10.0.0.0/16            | 8  | fd00::/104 | 120 | shorter than pool CIDR 10.0.0.0/16",
                "node mask 17 bits longer | 10.0.0.0/8             | 25 | fd00::/104 | 120 | more than 16 bits longer",
                "v6 mask 17 bits longer   | 10.0.0.0/8             | 24 | fd00::/100 | 117 | more than 16 bits longer",
                "malformed CIDR           | 10.0.0/8               | 24 | fd00::/104 | 120 | not a CIDR",
                "host bits                | 10.0.0.1/8             | 24 | fd00::/104 | 120 | host bits set",
                "wrong family             | fd01::/104             | 120| fd00::/104 | 120 | is not an ipv4 CIDR",
                "v4 mask leaves no pods   | 10.0.0.0/24            | 31 | fd00::/104 | 120 | between /1 and /30",
                "both off                 |                        | 24 |            | 120 | both address families are off",
                "leading zero octet       | 010.0.0.0/8            | 24 | fd00::/104 | 120 | not a CIDR",
                "multicast v4 pool        | 224.0.0.0/8            | 24 | fd00::/104 | 120 | overlaps 224.0.0.0/4 (multicast)",
                "pool with broadcast      | 255.255.0.0/16         | 24 | fd00::/104 | 120 | overlaps 240.0.0.0/4",
                "pool with 0.0.0.0        | 0.0.0.0/16             | 24 | fd00::/104 | 120 | overlaps 0.0.0.0/8",
                "loopback pool            | 127.0.0.0/16           | 24 | fd00::/104 | 120 | overlaps 127.0.0.0/8 (loopback)",
                "multicast v6 pool        | 10.0.0.0/8             | 24 | ff02::/104 | 120 | overlaps ff00::/8 (multicast)",
                "v6 pool with ::          | 10.0.0.0/8             | 24 | ::/104     | 120 | overlaps ::/127",
            })
    void refusesBadPoolsWithAClearMessage(String name, String v4, int v4Mask, String v6, int v6Mask, String message) {
        List<String> v4List = v4 == null ? List.of() : List.of(v4.split(";"));
        List<String> v6List = v6 == null ? List.of() : List.of(v6.split(";"));
        assertThatThrownBy(() -> IpamSettings.validated(v4List, v4Mask, v6List, v6Mask, Q, E))
                .isInstanceOf(InvalidIpamConfigException.class)
                .hasMessageContaining("invalid IPAM configuration")
                .hasMessageContaining(message);
    }

    @Test
    void acceptsANodeMaskExactly16BitsLonger() {
        assertThat(IpamSettings.validated(List.of("10.0.0.0/8"), 24, List.of("fd00::/104"), 120, Q, E)
                        .pools())
                .hasSize(2);
    }

    @Test
    void refusesNegativeQuarantine() {
        assertThatThrownBy(() ->
                        IpamSettings.validated(List.of("10.0.0.0/8"), 24, List.of(), 120, Duration.ofSeconds(-1), E))
                .hasMessageContaining("quarantine");
    }
}
