package dev.tendril.ipam.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.KeysetPagingCheck;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GET /v1/nodes in keyset pages ({@code limit}, {@code continue}): what {@code tendril get nodes} follows. Every node
 * registered from the first page to the last is listed exactly once and in name order, while other nodes register
 * between, before and after the pages' keys.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class NodePagingTest {

    private static final int INITIAL = 120;
    private static final int PAGE = 13;

    private final String prefix = "pg-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    // Node addresses must be unique: one range per run of the class (the database outlives a test instance).
    private static final int OCTET = ThreadLocalRandom.current().nextInt(100, 200);
    private static final AtomicInteger IPS = new AtomicInteger();

    @Test
    void pagesInNameOrderWithoutDuplicatesOrGapsWhileNodesRegister() throws Exception {
        Set<String> initial = new HashSet<>();
        for (int i = 0; i < INITIAL; i++) {
            String name = prefix + "%04d".formatted(i * 2);
            register(name);
            initial.add(name);
        }

        // Odd numbers fall between the initial nodes: some behind the cursor, some ahead of it.
        new KeysetPagingCheck("/v1/nodes", "", KeysetPagingCheck.field("name"))
                .whileWriting(
                        PAGE,
                        initial,
                        n -> register(prefix
                                + "%04d-%d"
                                        .formatted(ThreadLocalRandom.current().nextInt(INITIAL * 2) | 1, n)),
                        Integer.MAX_VALUE,
                        INITIAL / PAGE + 1);
    }

    @Test
    void aPageCarriesTheNodesFieldsAndTheUnpagedListAllNodes() {
        String name = prefix + "fields";
        register(name);
        Response first = given().queryParam("limit", 1).get("/v1/nodes");
        first.then()
                .statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].podCIDRs.size()", equalTo(2))
                .body("[0].routerIPs.size()", equalTo(2))
                .body("[0].cluster", equalTo("default"));
        assertThat(first.header("Tendril-Continue")).isNotNull();
        Response whole = given().get("/v1/nodes");
        assertThat(whole.header("Tendril-Continue")).as("no limit, no pages").isNull();
        whole.then()
                .statusCode(200)
                .body("find { it.name == '%s' }.ips.size()".formatted(name), equalTo(1))
                .body("find { it.name == '%s' }.podCIDRs.size()".formatted(name), equalTo(2));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "limit zero, 0, '', limit",
        "limit above the maximum, 10001, '', limit",
        "token not ours, 10, not-a-token, continue",
        "token of base64 garbage, 10, WzEsIng, continue",
        "token without a limit, '', TOKEN, continue",
        "token of another list, 10, ALLOCATIONS, continue",
    })
    void refusesBadLimitsAndTokensWith400NamingTheParameter(String name, String limit, String token, String field) {
        register(prefix + "t-0");
        register(prefix + "t-1");
        var request = given();
        if (!limit.isEmpty()) {
            request.queryParam("limit", limit);
        }
        if (!token.isEmpty()) {
            // ALLOCATIONS: a token issued for the allocations of one node (another query, three key columns).
            String value = switch (token) {
                case "TOKEN" -> given().queryParam("limit", 1).get("/v1/nodes").header("Tendril-Continue");
                case "ALLOCATIONS" -> AllocationPagingTest.tokenOfNode(prefix + "t-0");
                default -> token;
            };
            request.queryParam("continue", value);
        }
        request.get("/v1/nodes")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo(field));
    }

    static void register(String name) {
        int n = IPS.getAndIncrement();
        given().contentType(ContentType.JSON)
                .body(Map.of("ips", List.of("172.%d.%d.%d".formatted(OCTET, n / 250, 1 + n % 250))))
                .put("/v1/nodes/" + name)
                .then()
                .statusCode(200);
    }
}
