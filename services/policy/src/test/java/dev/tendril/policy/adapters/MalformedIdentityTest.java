package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Identities on tendril.identities whose {@code cidr:} label is no prefix (as an identity service that took
 * anything once published them): skipped, logged and counted; policies with ipBlock and toCIDR still apply,
 * list and enforce.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class MalformedIdentityTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final List<String> GARBAGE = List.of("---/0", "999.999.999.999/99", "10.0.0.0/33", "10.0.0.0/", "");

    @Inject
    PolicyRuntime runtime;

    @Test
    void garbageCidrIdentitiesAreSkippedAndPoliciesWithCidrsStillApplyListAndEnforce() {
        String ns = "garbage-" + UUID.randomUUID().toString().substring(0, 8);
        long base = TestTopics.freshIdentity();
        double rejectedBefore = rejected();
        for (int i = 0; i < GARBAGE.size(); i++) {
            TestTopics.identity(Identity.newBuilder()
                    .setId((int) (base + i))
                    .addLabels(TestTopics.label("cidr", GARBAGE.get(i), ""))
                    .addLabels(TestTopics.label("reserved", "world", ""))
                    .build());
        }
        long cidr = base + 10;
        long web = base + 11;
        long db = base + 12;
        TestTopics.identity(Identity.newBuilder()
                .setId((int) cidr)
                .addLabels(TestTopics.label("cidr", "192.0.2.0/24", ""))
                .addLabels(TestTopics.label("reserved", "world", ""))
                .build());
        TestTopics.identity(TestTopics.podIdentity(web, ns, "web"));
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        TestTopics.endpoint(TestTopics.endpoint(ns, "web-0", web, "web"));
        TestTopics.endpoint(TestTopics.endpoint(ns, "db-0", db, "db"));
        // One partition: once the later records are in, the garbage before them was read.
        await().atMost(WAIT)
                .until(() -> runtime.read(v -> v.engine().identity(db).isPresent()
                        && v.endpoints().containsKey(ns + "/db-0")
                        && v.endpoints().containsKey(ns + "/web-0")));
        for (int i = 0; i < GARBAGE.size(); i++) {
            long id = base + i;
            java.util.Optional<dev.tendril.policy.domain.Identity> known =
                    runtime.read(v -> v.engine().identity(id));
            assertThat(known).as(GARBAGE.get(i)).isEmpty();
        }
        assertThat(rejected()).isGreaterThanOrEqualTo(rejectedBefore + GARBAGE.size());

        String policies = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-to-docs, namespace: %1$s}
                spec:
                  podSelector: {matchLabels: {app: web}}
                  policyTypes: [Egress]
                  egress:
                  - to: [{ipBlock: {cidr: 192.0.2.0/24}}]
                ---
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: db-to-docs, namespace: %1$s}
                spec:
                  endpointSelector: {matchLabels: {app: db}}
                  egress:
                  - toCIDR: [192.0.2.0/24]
                    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
                """.formatted(ns);
        given().contentType("application/yaml")
                .body(policies.getBytes(StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200);

        given().get("/v1/policies").then().statusCode(200);
        given().queryParam("namespace", ns)
                .get("/v1/policies")
                .then()
                .statusCode(200)
                .body("name", org.hamcrest.Matchers.contains("db-to-docs", "web-to-docs"))
                .body("find { it.name == 'web-to-docs' }.subjects", hasItem((int) web));
        given().get("/v1/policies/NetworkPolicy/" + ns + "/web-to-docs").then().statusCode(200);
        given().get("/v1/policies/CiliumNetworkPolicy/" + ns + "/db-to-docs")
                .then()
                .statusCode(200);
        given().get("/v1/selectors").then().statusCode(200);

        trace("{\"from\":{\"namespace\":\"" + ns + "\",\"pod\":\"web-0\"},\"to\":{\"identity\":" + cidr
                        + "},\"port\":80}")
                .body("verdict", equalTo("ALLOWED"));
        trace("{\"from\":{\"namespace\":\"" + ns + "\",\"pod\":\"web-0\"},\"to\":{\"identity\":2},\"port\":80}")
                .body("verdict", equalTo("DROPPED"));
        trace("{\"from\":{\"namespace\":\"" + ns + "\",\"pod\":\"db-0\"},\"to\":{\"identity\":" + cidr
                        + "},\"port\":443}")
                .body("verdict", equalTo("ALLOWED"));
        trace("{\"from\":{\"namespace\":\"" + ns + "\",\"pod\":\"db-0\"},\"to\":{\"identity\":" + cidr
                        + "},\"port\":80}")
                .body("verdict", equalTo("DROPPED"));
        await().atMost(WAIT).untilAsserted(() -> {
            SubjectPolicyMap published = TestTopics.latest(web);
            assertThat(published).isNotNull();
            assertThat(published.getEgressEnforcedByList()).containsExactly("NetworkPolicy/" + ns + "/web-to-docs");
            assertThat(published.getEntriesList())
                    .extracting(e -> PolicyMapKey.decode(e.getKey().toByteArray()))
                    .contains(PolicyMapKey.anyProtocol(cidr, Direction.EGRESS));
        });
    }

    private static io.restassured.response.ValidatableResponse trace(String body) {
        return given().contentType("application/json")
                .body(body)
                .post("/v1/trace")
                .then()
                .statusCode(200);
    }

    private static double rejected() {
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^tendril_policy_input_rejected_total(\\{[^}]*\\})? ([0-9.eE+-]+)$")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(2)) : 0;
    }
}
