package dev.tendril.agent.adapters;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import dev.tendril.testing.EdgeHttp;
import dev.tendril.testing.SchemaFuzzTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;

/**
 * The agent's HTTP API under the schema fuzz, with IPAM and the identity service as the in-memory
 * fakes of {@link FakeControlPlane}. The agent has no event store: its state is its endpoint list.
 */
@QuarkusTest
@WithTestResource(FakeControlPlane.class)
@TestProfile(AgentFuzzTest.OwnAgent.class)
class AgentFuzzTest extends SchemaFuzzTest {

    /** A profile of its own: a fresh agent and fakes, so that the endpoints the fuzz creates stay here. */
    public static class OwnAgent extends EndpointApiTest.RegisterOn {}

    @BeforeEach
    void registered() {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .body("checks.data.ipam", hasItem(startsWith("registered [10.0.1.0/24"))));
    }

    @Override
    protected String eventSchema() {
        return null;
    }

    @Override
    protected String serviceName() {
        return "agent";
    }

    @Override
    protected String readModelSnapshot() {
        try {
            return EdgeHttp.send("GET", "/v1/endpoints", null, null).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A probe may be forwarded to the agent of another node: not a loopback target, so not fuzzed. */
    @Override
    protected Set<String> skippedOperations() {
        return Set.of("POST /v1/probe", "POST /v1/probe/ingress");
    }

    @Override
    protected Map<String, String> validBodies() {
        return Map.of("POST /v1/endpoints", """
                {"namespace":"fuzz","pod":"fuzz-1","uid":"uid-fuzz-1","labels":{"app":"fuzz"},"serviceAccount":"fuzz",\
                "namedPorts":[{"name":"http","port":8080,"protocol":"TCP"}]}""");
    }

    @Override
    protected Map<String, String> validParameters() {
        return Map.of("namespace", "fuzz", "pod", "fuzz-1", "uid", "uid-fuzz-1", "endpointId", "1");
    }
}
