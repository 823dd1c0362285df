package dev.tendril.identity.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClusterConfigTest {

    @ParameterizedTest(name = "cluster {0} of {1}: [{2}, {3}]")
    @CsvSource({
        "0,   255, 256,      65535",
        "1,   255, 65536,    131071",
        "5,   255, 327680,   393215",
        "255, 255, 16711680, 16777215",
        "0,   511, 256,      32767",
        "5,   511, 163840,   196607",
        "511, 511, 16744448, 16777215",
    })
    void derivesTheIdentityRangeFromTheClusterId(int id, int max, long min, long top) {
        ClusterConfig cluster = new ClusterConfig("c", id, max);
        assertThat(cluster.range()).isEqualTo(new IdRange(min, top));
        assertThat(cluster.clusterOf(min)).isEqualTo(id);
        assertThat(cluster.clusterOf(top)).isEqualTo(id);
    }

    @Test
    void clusterFiveAllocatesInsideItsBlock() {
        IdRange range = ClusterConfig.of("five", 5).range();
        assertThat(range.min()).isEqualTo(5L << 16);
        assertThat(range.max()).isEqualTo((6L << 16) - 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "UPPER", "-lead", "trail-", "under_score", "a-name-that-is-longer-than-32-chars"})
    void refusesClusterNamesClusterMeshRefuses(String name) {
        assertThatThrownBy(() -> ClusterConfig.of(name, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesIdsOutsideTheMeshSize() {
        assertThatThrownBy(() -> ClusterConfig.of("c", 256)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClusterConfig.of("c", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClusterConfig("c", 1, 300)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ClusterConfig("c", 511, 511).id()).isEqualTo(511);
    }
}
