package dev.tendril.cli.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.FakeService;
import dev.tendril.cli.PagedService;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tendril get nodes} and {@code tendril get allocations} follow IPAM's pages, printing each chunk as it comes. */
class GetIpamListsChunksTest {

    @TempDir
    Path dataDir;

    private static String node(int i) {
        return """
                {"name":"node-%d","ips":["192.168.0.%d"],"podCIDRs":["10.0.%d.0/24"],"routerIPs":[],\
                "cluster":"default"}""".formatted(i, 10 + i, i);
    }

    private static String allocation(int i) {
        return """
                {"ip":"10.0.1.%d","node":"node-1","family":"ipv4","owner":"shop/web-%d","uid":"u-%d",\
                "allocatedAt":"2026-12-07T05:00:0%dZ","confirmed":%b}""".formatted(10 + i, i, i, i, i % 2 == 0);
    }

    @Test
    void getNodesFollowsThePagesAndPrintsTheHeaderOnce() throws IOException {
        try (PagedService ipam = new PagedService("/v1/nodes", 5, GetIpamListsChunksTest::node)) {
            ipam.stack(dataDir, "ipam");
            FakeService.Result result = run("get", "nodes", "--chunk-size", "2");

            assertThat(result.exitCode()).isZero();
            assertThat(result.out().lines().toList())
                    .containsExactly(
                            "NAME     IPS            POD-CIDRS     CLUSTER",
                            "node-0   192.168.0.10   10.0.0.0/24   default",
                            "node-1   192.168.0.11   10.0.1.0/24   default",
                            "node-2   192.168.0.12   10.0.2.0/24   default",
                            "node-3   192.168.0.13   10.0.3.0/24   default",
                            "node-4   192.168.0.14   10.0.4.0/24   default");
            assertThat(ipam.requests())
                    .containsExactly(
                            "/v1/nodes?limit=2", "/v1/nodes?limit=2&continue=2", "/v1/nodes?limit=2&continue=4");
        }
    }

    @Test
    void getNodesStopsAtTheLimitAndAsksForAllWithChunkSizeZero() throws IOException {
        try (PagedService ipam = new PagedService("/v1/nodes", 5, GetIpamListsChunksTest::node)) {
            ipam.stack(dataDir, "ipam");
            assertThat(run("get", "nodes", "--limit", "3", "--chunk-size", "2")
                            .out()
                            .lines())
                    .hasSize(1 + 3);
            assertThat(run("get", "nodes", "--chunk-size", "0").out().lines()).hasSize(1 + 5);
            assertThat(ipam.requests())
                    .containsExactly("/v1/nodes?limit=2", "/v1/nodes?limit=1&continue=2", "/v1/nodes");
        }
    }

    @Test
    void getAllocationsOfOneNodeFollowsThePagesWithTheFilter() throws IOException {
        try (PagedService ipam = new PagedService("/v1/allocations", 3, GetIpamListsChunksTest::allocation)) {
            ipam.stack(dataDir, "ipam");
            FakeService.Result result = run("get", "allocations", "--node", "node-1", "--chunk-size", "2");

            assertThat(result.exitCode()).isZero();
            assertThat(result.out().lines().toList())
                    .containsExactly(
                            "NODE     IP          OWNER        UID   STATE       ALLOCATED",
                            "node-1   10.0.1.10   shop/web-0   u-0   Confirmed   2026-12-07T05:00:00Z",
                            "node-1   10.0.1.11   shop/web-1   u-1   Pending     2026-12-07T05:00:01Z",
                            "node-1   10.0.1.12   shop/web-2   u-2   Confirmed   2026-12-07T05:00:02Z");
            assertThat(ipam.requests())
                    .containsExactly(
                            "/v1/allocations?node=node-1&limit=2", "/v1/allocations?node=node-1&limit=2&continue=2");
        }
    }

    @Test
    void getAllocationsPrintsOneJsonArrayAcrossThePages() throws IOException {
        try (PagedService ipam = new PagedService("/v1/allocations", 5, GetIpamListsChunksTest::allocation)) {
            ipam.stack(dataDir, "ipam");
            FakeService.Result result = run("get", "alloc", "-o", "json", "--chunk-size", "2");

            assertThat(result.exitCode()).isZero();
            JsonNode json = new ObjectMapper().readTree(result.out());
            assertThat(json.findValuesAsText("ip"))
                    .containsExactly("10.0.1.10", "10.0.1.11", "10.0.1.12", "10.0.1.13", "10.0.1.14");
            assertThat(ipam.requests()).hasSize(3);
        }
    }

    @Test
    void refusesANegativeChunkSizeOrAZeroLimit() throws IOException {
        try (PagedService ipam = new PagedService("/v1/allocations", 5, GetIpamListsChunksTest::allocation)) {
            ipam.stack(dataDir, "ipam");
            assertThat(run("get", "allocations", "--chunk-size", "-1").err())
                    .contains("--chunk-size must be 0 or more");
            assertThat(run("get", "nodes", "--limit", "0").err()).contains("--limit must be 1 or more");
            assertThat(ipam.requests()).isEmpty();
        }
    }

    private FakeService.Result run(String... args) {
        return FakeService.run(
                null,
                Stream.concat(Stream.of(args), Stream.of("--data-dir", dataDir.toString()))
                        .toArray(String[]::new));
    }
}
