package dev.tendril.ipam.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SharedInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class IpamResourceTest {

    private static ValidatableResponse put(String node, Object body) {
        return given().contentType(ContentType.JSON)
                .body(body)
                .put("/v1/nodes/" + node)
                .then();
    }

    private static ValidatableResponse allocate(String node, String owner, String uid) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("owner", owner, "uid", uid))
                .post("/v1/nodes/" + node + "/allocations")
                .then();
    }

    static long eventCount() throws SQLException {
        try (Connection c = SharedInfrastructure.postgres()
                        .dataSource(PostgresTestResource.DATABASE)
                        .getConnection();
                ResultSet row = c.createStatement().executeQuery("SELECT count(*) FROM ipam.events")) {
            row.next();
            return row.getLong(1);
        }
    }

    @Test
    void registeringANodeTwiceReturnsTheSameCidrs() {
        List<String> first = put("rest-a", Map.of("ips", List.of("192.168.1.10")))
                .statusCode(200)
                .body("name", equalTo("rest-a"))
                .body("podCIDRs", hasSize(2))
                .extract()
                .jsonPath()
                .getList("podCIDRs");
        assertThat(first.get(0)).endsWith("/24");
        assertThat(first.get(1)).startsWith("fd00:").endsWith("/120");
        put("rest-a", Map.of("ips", List.of("192.168.1.10"))).statusCode(200).body("podCIDRs", equalTo(first));
        given().get("/v1/nodes").then().statusCode(200).body("find { it.name == 'rest-a' }.podCIDRs", equalTo(first));
        given().get("/v1/nodes/rest-a")
                .then()
                .statusCode(200)
                .body("ips", contains("192.168.1.10"))
                .body("routerIPs", hasSize(2));
    }

    @Test
    void allocatesIdempotentlyAndRefusesAStaleRelease() {
        put("rest-b", Map.of("ips", List.of("192.168.1.11"))).statusCode(200);
        List<String> ips = allocate("rest-b", "demo/web", "uid-1")
                .statusCode(201)
                .body("ips", hasSize(2))
                .extract()
                .jsonPath()
                .getList("ips");
        allocate("rest-b", "demo/web", "uid-1").statusCode(200).body("ips", equalTo(ips));
        given().get("/v1/nodes/rest-b/allocations")
                .then()
                .statusCode(200)
                .body("ip", equalTo(ips))
                .body("[0].owner", equalTo("demo/web"))
                .body("[0].confirmed", equalTo(false));

        given().delete("/v1/nodes/rest-b/allocations/" + ips.get(0) + "?uid=uid-0")
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("field", equalTo("uid"))
                .body("detail", containsString("stale"));
        given().get("/v1/nodes/rest-b/allocations").then().body("ip", equalTo(ips));

        given().delete("/v1/nodes/rest-b/allocations/" + ips.get(0) + "?uid=uid-1")
                .then()
                .statusCode(200)
                .body("released", equalTo(true));
        given().delete("/v1/nodes/rest-b/allocations/" + ips.get(0) + "?uid=uid-1")
                .then()
                .statusCode(200)
                .body("released", equalTo(false));
        given().get("/v1/nodes/rest-b/allocations").then().body("ip", contains(ips.get(1)));

        given().post("/v1/nodes/rest-b/allocations/confirm?uid=uid-1").then().statusCode(204);
        given().get("/v1/nodes/rest-b/allocations").then().body("[0].confirmed", equalTo(true));
        assertThat(ips.get(1)).contains(":");
        given().delete("/v1/nodes/rest-b/allocations/" + ips.get(1) + "?uid=uid-1")
                .then()
                .statusCode(200)
                .body("released", equalTo(true));
        given().get("/v1/nodes/rest-b/allocations").then().body("ip", hasSize(0));
    }

    @Test
    void releasingByUidFreesBothFamiliesAndAStaleUidNothing() {
        put("rest-f", Map.of("ips", List.of("192.168.1.15"))).statusCode(200);
        List<String> ips = allocate("rest-f", "demo/dual", "uid-f1")
                .statusCode(201)
                .extract()
                .path("ips");
        given().delete("/v1/nodes/rest-f/allocations?uid=uid-f0")
                .then()
                .statusCode(200)
                .body("released", hasSize(0));
        given().get("/v1/nodes/rest-f/allocations").then().body("ip", hasSize(2));
        given().delete("/v1/nodes/rest-f/allocations?uid=uid-f1")
                .then()
                .statusCode(200)
                .body("uid", equalTo("uid-f1"))
                .body("released", equalTo(ips));
        given().get("/v1/nodes/rest-f/allocations").then().body("ip", hasSize(0));
        given().delete("/v1/nodes/rest-f/allocations").then().statusCode(400).body("field", equalTo("uid"));
    }

    @Test
    void badInputIsAProblemAndChangesNothing() throws SQLException {
        put("rest-c", Map.of("ips", List.of("192.168.1.12"))).statusCode(200);
        long before = eventCount();
        put("rest-bad", Map.of("ips", List.of("192.168.1.300")))
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("ips"))
                .body("status", equalTo(400));
        put("Bad_Name", Map.of("ips", List.of("192.168.1.3"))).statusCode(400).body("field", equalTo("name"));
        allocate("nowhere", "demo/web", "u")
                .statusCode(404)
                .body("field", equalTo("name"))
                .body("title", equalTo("Not found"));
        allocate("rest-c", "", "u").statusCode(400).body("field", equalTo("owner"));
        allocate("rest-c", "demo/web", "").statusCode(400).body("field", equalTo("uid"));
        given().delete("/v1/nodes/rest-c/allocations/10.0.0.x?uid=u")
                .then()
                .statusCode(400)
                .body("field", equalTo("ip"));
        given().delete("/v1/nodes/rest-c/allocations/10.0.0.5")
                .then()
                .statusCode(400)
                .body("field", equalTo("uid"));
        given().delete("/v1/nodes/rest-c/allocations/172.16.0.5?uid=u")
                .then()
                .statusCode(400)
                .body("field", equalTo("ip"));
        given().get("/v1/nodes/nowhere/allocations").then().statusCode(404);
        given().delete("/v1/nodes/nowhere").then().statusCode(404);
        given().contentType(ContentType.JSON)
                .body("{not json")
                .put("/v1/nodes/rest-c")
                .then()
                .statusCode(400);
        assertThat(eventCount()).isEqualTo(before);
    }

    @Test
    void aNodeBodyWithoutAddressesIsRefusedAndKeepsTheNodesAddresses() throws SQLException {
        put("rest-g", Map.of("ips", List.of("192.168.1.16"))).statusCode(200);
        long before = eventCount();
        // The strict edge (libs/rest) names the unknown field itself, before IPAM sees a body without ips.
        put("rest-g", Map.of("addresses", List.of("192.168.1.17")))
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("addresses"))
                .body("detail", containsString("unknown field 'addresses'"));
        put("rest-g", Map.of()).statusCode(400).body("field", equalTo("ips"));
        put("rest-g", Map.of("ips", List.of()))
                .statusCode(400)
                .body("field", equalTo("ips"))
                .body("detail", containsString("at least one address"));
        given().contentType(ContentType.JSON).put("/v1/nodes/rest-g").then().statusCode(400);
        given().get("/v1/nodes/rest-g").then().statusCode(200).body("ips", contains("192.168.1.16"));
        assertThat(eventCount()).isEqualTo(before);
    }

    @Test
    void refusesNodeAddressesNoHostCanHaveAndTooManyNamingTheLimit() throws SQLException {
        long before = eventCount();
        for (String ip :
                List.of("0.0.0.0", "255.255.255.255", "224.0.0.5", "ff02::1", "::", "010.0.0.65", "10.0.0.065")) {
            put("rest-h", Map.of("ips", List.of(ip)))
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("field", equalTo("ips"))
                    .body("detail", containsString(ip));
        }
        List<String> many = java.util.stream.IntStream.range(0, 10_000)
                .mapToObj(i -> "172.16." + (i / 250) + "." + (i % 250 + 1))
                .toList();
        put("rest-h", Map.of("ips", many))
                .statusCode(400)
                .body("field", equalTo("ips"))
                .body("detail", containsString("at most 16"));
        put("rest-h", Map.of("ips", List.of("192.168.1.20", "192.168.1.20")))
                .statusCode(400)
                .body("field", equalTo("ips"));
        given().get("/v1/nodes/rest-h").then().statusCode(404);
        assertThat(eventCount()).isEqualTo(before);
    }

    @Test
    void aNodeCannotClaimAnotherNodesAddress() throws SQLException {
        put("rest-i", Map.of("ips", List.of("192.168.1.30", "fd10::30"))).statusCode(200);
        long before = eventCount();
        put("rest-j", Map.of("ips", List.of("192.168.1.31", "192.168.1.30")))
                .statusCode(409)
                .contentType("application/problem+json")
                .body("field", equalTo("ips"))
                .body("detail", containsString("node 'rest-i'"));
        put("rest-j", Map.of("ips", List.of("fd10:0::30"))).statusCode(409).body("detail", containsString("rest-i"));
        given().get("/v1/nodes/rest-j").then().statusCode(404);
        assertThat(eventCount()).isEqualTo(before);
        // Once the holder moves to another address, the old one is free for another node.
        put("rest-i", Map.of("ips", List.of("192.168.1.32"))).statusCode(200);
        put("rest-j", Map.of("ips", List.of("192.168.1.30"))).statusCode(200).body("ips", contains("192.168.1.30"));
    }

    @Test
    void refusesOwnersAndUidsThatNameNoPodAndTakesNoAddress() throws SQLException {
        put("rest-k", Map.of("ips", List.of("192.168.1.40"))).statusCode(200);
        long before = eventCount();
        allocate("rest-k", "Demo/web", "u1").statusCode(400).body("field", equalTo("owner"));
        allocate("rest-k", "demo/web_1", "u1").statusCode(400).body("field", equalTo("owner"));
        allocate("rest-k", "demo/web", "<b>u1</b>").statusCode(400).body("field", equalTo("uid"));
        allocate("rest-k", "demo/web", "u".repeat(129))
                .statusCode(400)
                .body("field", equalTo("uid"))
                .body("detail", containsString("128"));
        given().get("/v1/nodes/rest-k/allocations").then().body("ip", hasSize(0));
        assertThat(eventCount()).isEqualTo(before);
    }

    @Test
    void aRolledBackAllocationIsFreeAgainAtOnceAConfirmedOneIsQuarantined() {
        put("rest-l", Map.of("ips", List.of("192.168.1.50"))).statusCode(200);
        // The /24 holds 253 pod addresses: 260 failed creations, each rolled back, must not exhaust it.
        for (int i = 0; i < 260; i++) {
            allocate("rest-l", "demo/bad", "uid-bad-" + i).statusCode(201);
            given().delete("/v1/nodes/rest-l/allocations?uid=uid-bad-" + i + "&rollback=true")
                    .then()
                    .statusCode(200)
                    .body("released", hasSize(2));
        }
        List<String> good = allocate("rest-l", "demo/good", "uid-good")
                .statusCode(201)
                .extract()
                .path("ips");
        // Confirmed (an endpoint had it): a rollback does not skip the quarantine.
        given().post("/v1/nodes/rest-l/allocations/confirm?uid=uid-good").then().statusCode(204);
        given().delete("/v1/nodes/rest-l/allocations?uid=uid-good&rollback=true")
                .then()
                .statusCode(200)
                .body("released", equalTo(good));
        for (int i = 0; i < 252; i++) {
            List<String> ips = allocate("rest-l", "demo/p" + i, "uid-p" + i)
                    .statusCode(201)
                    .extract()
                    .path("ips");
            assertThat(ips).doesNotContain(good.get(0));
        }
        allocate("rest-l", "demo/last", "uid-last")
                .statusCode(409)
                .body("detail", containsString("1 released and in quarantine"));
    }

    @Test
    void deregistrationWaitsForPodsUnlessForced() {
        put("rest-d", Map.of("ips", List.of("192.168.1.13"))).statusCode(200);
        allocate("rest-d", "demo/db", "uid-d").statusCode(201);
        given().delete("/v1/nodes/rest-d")
                .then()
                .statusCode(409)
                .body("field", equalTo("name"))
                .body("detail", containsString("rest-d"));
        given().delete("/v1/nodes/rest-d?force=true").then().statusCode(204);
        given().get("/v1/nodes/rest-d").then().statusCode(404);
    }

    @Test
    void poolsReportSizeUsedAndFree() {
        put("rest-e", Map.of("ips", List.of("192.168.1.14"))).statusCode(200);
        given().get("/v1/pools")
                .then()
                .statusCode(200)
                .body("family", contains("ipv4", "ipv6"))
                .body("[0].size", equalTo(65536))
                .body("[0].nodeMask", equalTo(24))
                .body("[1].nodeMask", equalTo(120));
        int used = given().get("/v1/pools").then().extract().path("[0].used");
        int free = given().get("/v1/pools").then().extract().path("[0].free");
        assertThat(used).isPositive();
        assertThat(used + free).isEqualTo(65536);
    }

    /**
     * Found by IpamFuzzTest (shrunk): a NUL in the node name reached PostgreSQL when the node's stream
     * was read, before the decider could check the name, and came back as a 500.
     */
    @Test
    void refusesANodeNameWithANulBeforeReadingItsStream() {
        Map<String, String> requests = Map.of(
                "GET /v1/nodes/%00", "",
                "GET /v1/nodes/%00/allocations", "",
                "DELETE /v1/nodes/%00", "",
                "POST /v1/nodes/%00/allocations/confirm?uid=fuzz-uid-1", "",
                "PUT /v1/nodes/x%00y", "{\"ips\":[\"192.0.2.202\"]}",
                "POST /v1/nodes/%00/allocations", "{\"owner\":\"default/p\",\"uid\":\"u-1\"}");
        requests.forEach((request, body) -> {
            String[] methodAndPath = request.split(" ");
            var call = given().urlEncodingEnabled(false).contentType(ContentType.JSON);
            if (!body.isEmpty()) {
                call = call.body(body);
            }
            call.request(methodAndPath[0], methodAndPath[1])
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("field", equalTo("name"));
        });
    }
}
