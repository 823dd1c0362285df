package dev.tendril.identity.adapters;

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
 * GET /v1/endpoints in keyset pages ({@code limit}, {@code continue}): what {@code tendril get endpoints} follows.
 * Every endpoint present from the first page to the last is listed exactly once and in the list's order, while
 * other endpoints are registered between, before and after the pages' keys.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class EndpointPagingTest {

    private static final int INITIAL = 250;
    private static final int PAGE = 23;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String node = "paging-" + suffix;
    // One address range per run of the class: the database outlives a test instance.
    private static final int OCTET = ThreadLocalRandom.current().nextInt(64, 128);
    private static final AtomicInteger IPS = new AtomicInteger();

    @Test
    void pagesInKeyOrderWithoutDuplicatesOrGapsWhileEndpointsAreAdded() throws Exception {
        List<String> namespaces = List.of("paging-a-" + suffix, "paging-b-" + suffix);
        namespaces.forEach(ns -> RestApiTest.putNamespace(ns, Map.of("team", "paging")));
        Set<String> initial = new HashSet<>();
        for (int i = 0; i < INITIAL; i++) {
            String ns = namespaces.get(i % 2);
            String pod = "pod-%04d".formatted(i * 2);
            register(ns, pod);
            initial.add(ns + "/" + pod);
        }

        // Odd numbers fall between the initial pods: some behind the cursor, some ahead of it.
        new KeysetPagingCheck(
                        "/v1/endpoints",
                        "node=" + node,
                        e -> e.path("namespace").asText() + "/" + e.path("pod").asText())
                .whileWriting(
                        PAGE,
                        initial,
                        n -> register(
                                namespaces.get(n % 2),
                                "pod-%04d-%d"
                                        .formatted(ThreadLocalRandom.current().nextInt(INITIAL * 2) | 1, n)),
                        Integer.MAX_VALUE,
                        INITIAL / PAGE + 1);
    }

    @Test
    void filtersEveryPageAndListsAllWithoutALimit() {
        String ns = "paging-f-" + suffix;
        RestApiTest.putNamespace(ns, Map.of("team", "paging"));
        for (int i = 0; i < 5; i++) {
            register(ns, "pod-" + i);
        }
        Response first =
                given().queryParam("namespace", ns).queryParam("limit", 2).get("/v1/endpoints");
        first.then().statusCode(200).body("size()", equalTo(2)).body("[0].pod", equalTo("pod-0"));
        Response second = given().queryParam("namespace", ns)
                .queryParam("limit", 3)
                .queryParam("continue", first.header("Tendril-Continue"))
                .get("/v1/endpoints");
        second.then().statusCode(200).body("pod", equalTo(List.of("pod-2", "pod-3", "pod-4")));
        assertThat(second.header("Tendril-Continue")).as("the last page").isNull();
        given().queryParam("namespace", ns)
                .get("/v1/endpoints")
                .then()
                .statusCode(200)
                .body("size()", equalTo(5));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "limit zero, 0, '', limit",
        "limit above the maximum, 10001, '', limit",
        "token not ours, 10, not-a-token, continue",
        "token of base64 garbage, 10, WzEsIng, continue",
        "token without a limit, '', TOKEN, continue",
        "token of another filter, 10, OTHER, continue",
    })
    void refusesBadLimitsAndTokensWith400NamingTheParameter(String name, String limit, String token, String field) {
        var request = given().queryParam("node", node);
        if (!limit.isEmpty()) {
            request.queryParam("limit", limit);
        }
        if (!token.isEmpty()) {
            String value = switch (token) {
                case "TOKEN", "OTHER" -> tokenFor(token.equals("OTHER") ? node + "-x" : node);
                default -> token;
            };
            request.queryParam("continue", value);
        }
        request.get("/v1/endpoints")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo(field));
    }

    /** A real token: the first page's of endpoints on {@code tokenNode}, which holds two. */
    private String tokenFor(String tokenNode) {
        String ns = "paging-t-" + suffix;
        RestApiTest.putNamespace(ns, Map.of("team", "paging"));
        registerOn(ns, "pod-0", tokenNode);
        registerOn(ns, "pod-1", tokenNode);
        String token = given().queryParam("node", tokenNode)
                .queryParam("limit", 1)
                .get("/v1/endpoints")
                .header("Tendril-Continue");
        assertThat(token).isNotNull();
        return token;
    }

    private void register(String ns, String pod) {
        registerOn(ns, pod, node);
    }

    private void registerOn(String ns, String pod, String onNode) {
        int n = IPS.getAndIncrement();
        given().contentType(ContentType.JSON)
                .body(Map.of(
                        "uid", UUID.randomUUID().toString(),
                        "node", onNode,
                        "ips", List.of("100.%d.%d.%d".formatted(OCTET, n / 250, 1 + n % 250)),
                        "labels", Map.of("app", "paged"),
                        "serviceAccount", "default"))
                .put("/v1/endpoints/" + ns + "/" + pod)
                .then()
                .statusCode(200);
    }
}
