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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GET /v1/allocations and /v1/nodes/{name}/allocations in keyset pages, by node and then oldest first: what
 * {@code tendril get allocations} follows. Every address held from the first page to the last is listed exactly once
 * and in the list's order while pods on the nodes before and after the cursor are given addresses.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class AllocationPagingTest {

    /** Pods per node at the start; each holds two addresses (IPv4 and IPv6), and a node's /24 holds 254 pods. */
    private static final int INITIAL = 40;
    /** Pods the writer may add per node while the pages are read, within the node's pod CIDR. */
    private static final int MAX_ADDED = 150;

    private static final int PAGE = 17;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void pagesEveryNodeInKeyOrderWithoutDuplicatesOrGapsWhileAddressesAreAllocated() throws Exception {
        List<String> nodes = List.of("alloc-a-" + suffix, "alloc-b-" + suffix);
        nodes.forEach(NodePagingTest::register);
        Set<String> initial = new HashSet<>();
        for (int i = 0; i < INITIAL; i++) {
            for (String node : nodes) {
                initial.addAll(allocate(node, "pod-" + i));
            }
        }

        // Alternating: the first node's new addresses land behind the cursor once it has passed that node, the
        // second's ahead of it until then.
        new KeysetPagingCheck("/v1/allocations", "", KeysetPagingCheck.field("ip"))
                .whileWriting(
                        PAGE,
                        initial,
                        n -> allocate(nodes.get(n % nodes.size()), "late-" + n),
                        MAX_ADDED * nodes.size(),
                        INITIAL * 2 * nodes.size() / PAGE + 1);
    }

    @Test
    void pagesOneNodeOldestFirstByPathOrFilter() {
        String node = "alloc-c-" + suffix;
        NodePagingTest.register(node);
        List<String> ips = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ips.addAll(allocate(node, "pod-" + i));
        }
        for (String path : List.of("/v1/nodes/" + node + "/allocations", "/v1/allocations?node=" + node)) {
            List<String> listed = new ArrayList<>();
            String token = null;
            do {
                var request = given().queryParam("limit", 3);
                if (token != null) {
                    request.queryParam("continue", token);
                }
                Response page = request.get(path);
                page.then().statusCode(200).body("node", org.hamcrest.Matchers.everyItem(equalTo(node)));
                listed.addAll(page.jsonPath().getList("ip", String.class));
                token = page.header("Tendril-Continue");
            } while (token != null);
            assertThat(listed).as(path).isEqualTo(ips);
            given().get(path).then().statusCode(200).body("ip", equalTo(ips));
        }
    }

    @Test
    void aNodesOwnListIs404ForAnUnknownNodeAndTheFilterListsNothing() {
        given().queryParam("limit", 5)
                .get("/v1/nodes/nowhere-" + suffix + "/allocations")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("field", equalTo("name"));
        given().queryParam("node", "nowhere-" + suffix)
                .get("/v1/allocations")
                .then()
                .statusCode(200)
                .body("size()", equalTo(0));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "limit zero, '', 0, '', limit",
        "limit above the maximum, '', 10001, '', limit",
        "node name invalid, Bad_Node, 10, '', node",
        "token not ours, '', 10, not-a-token, continue",
        "token of another node, A, 10, OTHER, continue",
        "token without a limit, A, '', OWN, continue",
        "token with a time that is not one, A, 10, BAD_TIME, continue",
    })
    void refusesBadParametersWith400NamingThem(String name, String node, String limit, String token, String field) {
        String nodeA = "alloc-t-" + suffix;
        if (!node.isEmpty()) {
            NodePagingTest.register(nodeA);
        }
        var request = given();
        if (!node.isEmpty()) {
            request.queryParam("node", node.equals("A") ? nodeA : node);
        }
        if (!limit.isEmpty()) {
            request.queryParam("limit", limit);
        }
        if (!token.isEmpty()) {
            String value = switch (token) {
                case "OWN" -> tokenOfNode(nodeA);
                case "OTHER" -> {
                    String other = nodeA + "-x";
                    NodePagingTest.register(other);
                    yield tokenOfNode(other);
                }
                case "BAD_TIME" ->
                    Base64.getUrlEncoder()
                            .withoutPadding()
                            .encodeToString("[1,\"node=%s\",\"%s\",\"yesterday\",\"10.0.0.1\"]"
                                    .formatted(nodeA, nodeA)
                                    .getBytes(StandardCharsets.UTF_8));
                default -> token;
            };
            request.queryParam("continue", value);
        }
        request.get("/v1/allocations")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo(field));
    }

    /** A real token of {@code GET /v1/allocations?node=}: the first page's of a node given two pods. */
    static String tokenOfNode(String node) {
        allocate(node, "token-0");
        allocate(node, "token-1");
        String token = given().queryParam("node", node)
                .queryParam("limit", 1)
                .get("/v1/allocations")
                .header("Tendril-Continue");
        assertThat(token).isNotNull();
        return token;
    }

    private static List<String> allocate(String node, String pod) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("owner", "paging/" + pod, "uid", UUID.randomUUID().toString()))
                .post("/v1/nodes/" + node + "/allocations")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getList("ips", String.class);
    }
}
