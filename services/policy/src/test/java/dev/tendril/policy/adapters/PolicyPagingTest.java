package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.KeysetPagingCheck;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GET /v1/policies in keyset pages ({@code limit}, {@code continue}) by namespace, kind and name: what {@code tendril
 * get policies} follows. Every policy stored from the first page to the last is listed exactly once and in the list's
 * order while other policies are applied between, before and after the pages' keys.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class PolicyPagingTest {

    private static final int INITIAL = 80;
    private static final int PAGE = 11;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void pagesInKeyOrderWithoutDuplicatesOrGapsWhilePoliciesAreApplied() throws Exception {
        List<String> namespaces = List.of("paging-a-" + suffix, "paging-b-" + suffix);
        // Both kinds in both namespaces: the order runs through namespace, then kind, then name.
        apply(IntStream.range(0, INITIAL)
                .mapToObj(
                        i -> policy(i % 4 < 2 ? "NetworkPolicy" : "CiliumNetworkPolicy", namespaces.get(i % 2), i * 2))
                .collect(Collectors.joining("---\n")));
        Set<String> initial = new HashSet<>();
        for (int i = 0; i < INITIAL; i++) {
            initial.add(ref(i % 4 < 2 ? "NetworkPolicy" : "CiliumNetworkPolicy", namespaces.get(i % 2), i * 2));
        }

        // Odd numbers fall between the initial policies: some behind the cursor, some ahead of it.
        new KeysetPagingCheck(
                        "/v1/policies",
                        "",
                        p -> p.path("kind").asText() + "/" + p.path("namespace").asText() + "/"
                                + p.path("name").asText())
                .whileWriting(
                        PAGE,
                        initial,
                        n -> apply(policy(
                                n % 3 == 0 ? "CiliumNetworkPolicy" : "NetworkPolicy",
                                namespaces.get(n % 2),
                                ThreadLocalRandom.current().nextInt(INITIAL * 2) | 1)),
                        Integer.MAX_VALUE,
                        INITIAL / PAGE + 1);
    }

    @Test
    void filtersEveryPageByNamespaceAndKindAndShowsTheSubjects() {
        String ns = "paging-f-" + suffix;
        long db = TestTopics.freshIdentity();
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        apply(String.join(
                "---\n",
                policy("NetworkPolicy", ns, 1),
                policy("NetworkPolicy", ns, 2),
                policy("NetworkPolicy", ns, 3),
                policy("CiliumNetworkPolicy", ns, 1),
                policy("CiliumNetworkPolicy", ns, 2)));

        Response first =
                given().queryParam("namespace", ns).queryParam("limit", 2).get("/v1/policies");
        first.then()
                .statusCode(200)
                .body("kind", contains("CiliumNetworkPolicy", "CiliumNetworkPolicy"))
                .body("name", contains("np-0001", "np-0002"));
        Response second = given().queryParam("namespace", ns)
                .queryParam("limit", 3)
                .queryParam("continue", first.header("Tendril-Continue"))
                .get("/v1/policies");
        second.then()
                .statusCode(200)
                .body("kind", contains("NetworkPolicy", "NetworkPolicy", "NetworkPolicy"))
                .body("name", contains("np-0001", "np-0002", "np-0003"));
        assertThat(second.header("Tendril-Continue")).as("the last page").isNull();

        given().queryParam("namespace", ns)
                .queryParam("kind", "networkpolicy")
                .queryParam("limit", 10)
                .get("/v1/policies")
                .then()
                .statusCode(200)
                .body("name", contains("np-0001", "np-0002", "np-0003"));
        // The subjects come from the selector cache, which learns the identity from its topic.
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().queryParam("namespace", ns)
                        .queryParam("limit", 1)
                        .get("/v1/policies")
                        .then()
                        .body("[0].subjects", hasItem((int) db)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "limit zero, 0, '', '', limit",
        "limit above the maximum, 10001, '', '', limit",
        "kind unknown, 10, Deployment, '', kind",
        "token not ours, 10, '', not-a-token, continue",
        "token of base64 garbage, 10, '', WzEsIng, continue",
        "token without a limit, '', '', OWN, continue",
        "token of another namespace, 10, '', OTHER, continue",
    })
    void refusesBadParametersWith400NamingThem(String name, String limit, String kind, String token, String field) {
        String ns = "paging-t-" + suffix;
        var request = given().queryParam("namespace", ns);
        if (!limit.isEmpty()) {
            request.queryParam("limit", limit);
        }
        if (!kind.isEmpty()) {
            request.queryParam("kind", kind);
        }
        if (!token.isEmpty()) {
            String value = switch (token) {
                case "OWN" -> tokenOf(ns);
                case "OTHER" -> tokenOf(ns + "-x");
                default -> token;
            };
            request.queryParam("continue", value);
        }
        request.get("/v1/policies")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo(field));
    }

    /** A real token: the first page's of a namespace holding two policies. */
    private static String tokenOf(String ns) {
        apply(policy("NetworkPolicy", ns, 0) + "---\n" + policy("NetworkPolicy", ns, 1));
        String token = given().queryParam("namespace", ns)
                .queryParam("limit", 1)
                .get("/v1/policies")
                .header("Tendril-Continue");
        assertThat(token).isNotNull();
        return token;
    }

    private static String ref(String kind, String ns, int n) {
        return kind + "/" + ns + "/np-%04d".formatted(n);
    }

    /** A policy of {@code kind} selecting {@code app=db}, letting in {@code app=web}. */
    private static String policy(String kind, String ns, int n) {
        String spec = kind.equals("NetworkPolicy") ? """
                  podSelector:
                    matchLabels: {app: db}
                  ingress:
                  - from:
                    - podSelector:
                        matchLabels: {app: web}
                """ : """
                  endpointSelector:
                    matchLabels: {app: db}
                  ingress:
                  - fromEndpoints:
                    - matchLabels: {app: web}
                """;
        String api = kind.equals("NetworkPolicy") ? "networking.k8s.io/v1" : "cilium.io/v2";
        return """
                apiVersion: %s
                kind: %s
                metadata:
                  name: np-%04d
                  namespace: %s
                spec:
                """.formatted(api, kind, n, ns) + spec;
    }

    private static void apply(String manifests) {
        given().contentType("application/yaml")
                .body(manifests.getBytes(StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200);
    }
}
