package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;

import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Who changed what: a policy's applies and deletes with the request and caller of each. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class HistoryTest {

    @Test
    void showsEveryApplyAndDeleteOfAPolicyWithItsRequestOldestFirst() {
        String ns = PolicyApiTest.ns();
        given().header("X-Request-Id", "apply-1-" + ns)
                .contentType("application/yaml")
                .body(PolicyApiTest.allowWeb(ns, 5432).getBytes(StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200)
                .header("X-Request-Id", "apply-1-" + ns);
        given().header("X-Request-Id", "apply-2-" + ns)
                .contentType("application/yaml")
                .body(PolicyApiTest.allowWeb(ns, 6432).getBytes(StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200);
        given().header("X-Request-Id", "delete-" + ns)
                .delete("/v1/policies/NetworkPolicy/" + ns + "/allow-web")
                .then()
                .statusCode(200);

        given().queryParam("kind", "NetworkPolicy")
                .queryParam("namespace", ns)
                .queryParam("name", "allow-web")
                .get("/v1/history")
                .then()
                .statusCode(200)
                .body("kind", equalTo("NetworkPolicy"))
                .body("changes", hasSize(3))
                .body("changes.type", contains("PolicyApplied", "PolicyApplied", "PolicyDeleted"))
                .body("changes.requestId", contains("apply-1-" + ns, "apply-2-" + ns, "delete-" + ns))
                .body("changes.principal", everyItem(equalTo("anonymous")))
                .body("changes.service", everyItem(equalTo("policy")))
                .body("changes.version", contains(1, 2, 3))
                .body("changes[0].what.name", equalTo("allow-web"));
        given().queryParam("kind", "CiliumNetworkPolicy")
                .queryParam("namespace", ns)
                .queryParam("name", "allow-web")
                .get("/v1/history")
                .then()
                .statusCode(200)
                .body("changes", hasSize(0));
    }

    @Test
    void refusesUnknownKindsAndBadNamesNamingTheParameter() {
        given().queryParam("kind", "Pod")
                .queryParam("name", "x")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("kind"));
        given().queryParam("kind", "NetworkPolicy")
                .queryParam("name", "Bad_Name")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .body("field", equalTo("name"));
        given().queryParam("kind", "NetworkPolicy")
                .queryParam("namespace", "Bad")
                .queryParam("name", "p")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .body("field", equalTo("namespace"));
        given().queryParam("kind", "Identity")
                .queryParam("name", "abc")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .body("field", equalTo("name"));
    }
}
