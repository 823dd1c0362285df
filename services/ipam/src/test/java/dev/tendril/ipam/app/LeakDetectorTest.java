package dev.tendril.ipam.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.ipam.app.IpamQueries.AllocationRow;
import dev.tendril.ipam.app.LeakDetector.EndpointRef;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeakDetectorTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static AllocationRow row(String ip, String uid, Instant at) {
        return new AllocationRow(ip, "n1", "ipv4", "demo/" + uid, uid, at, false);
    }

    @Test
    void reportsOnlyAllocationsOlderThanTheGraceWithoutAMatchingEndpoint() {
        LeakDetector detector = new LeakDetector(Duration.ofMinutes(5));
        List<AllocationRow> rows = List.of(
                row("10.0.0.2", "a", T0),
                row("10.0.0.3", "b", T0),
                row("10.0.0.4", "young", T0.plusSeconds(500)),
                row("10.0.0.5", "moved", T0));
        List<EndpointRef> endpoints = List.of(
                new EndpointRef("demo", "a", "a", "n1", Set.of("10.0.0.2")),
                new EndpointRef("demo", "moved", "moved", "n2", Set.of("10.0.0.5")));
        Instant now = T0.plusSeconds(600);
        var leaks = detector.leaks(rows, endpoints, now);
        assertThat(leaks).extracting(LeakDetector.Leak::ip).containsExactlyInAnyOrder("10.0.0.3", "10.0.0.5");
        assertThat(detector.releasable(leaks, now)).isEmpty();
        var later = detector.leaks(rows, endpoints, now.plusSeconds(300));
        assertThat(detector.releasable(later, now.plusSeconds(300)))
                .extracting(LeakDetector.Leak::ip)
                .containsExactlyInAnyOrder("10.0.0.3", "10.0.0.5");
    }
}
