package dev.tendril.identity;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;

import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.RestEdgeContractTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class IdentityRestEdgeTest extends RestEdgeContractTest {

    /** The endpoint's namespace exists, so that only the body's own faults can refuse it. */
    @BeforeEach
    void namespaceExists() {
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", Map.of()))
                .put("/v1/namespaces/default")
                .then()
                .statusCode(anyOf(is(200), is(201)));
    }

    @Override
    protected String eventSchema() {
        return "identity";
    }

    @Override
    protected WriteRequest writeRequest() {
        return new WriteRequest("PUT", "/v1/endpoints/default/edge-pod", """
                {"uid":"7d1c0e0a-edge","node":"node-1","ips":["10.0.1.77"],"labels":{"app":"edge"},\
                "serviceAccount":"default","namedPorts":[]}""", "uid");
    }
}
