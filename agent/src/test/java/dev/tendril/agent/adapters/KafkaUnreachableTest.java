package dev.tendril.agent.adapters;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Without a reachable broker the agent never bootstraps: not ready, says why, and leaves the maps alone. */
@QuarkusTest
@TestProfile(KafkaUnreachableTest.NoBroker.class)
class KafkaUnreachableTest {

    public static class NoBroker implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Port 1 (tcpmux) refuses connections on any test host.
            return Map.of("tendril.agent.sync.enabled", "true", "kafka.bootstrap.servers", "127.0.0.1:1");
        }
    }

    @Test
    void staysNotReadyAndReportsKafkaUnreachableBeforeBootstrap() {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> given().when()
                        .get("/q/health/ready")
                        .then()
                        .statusCode(503)
                        .body("status", equalTo("DOWN"))
                        .body("checks.data.sync", hasItem("bootstrapping"))
                        .body("checks.data.kafka", hasItem(containsString("Kafka unreachable at 127.0.0.1:1"))));
        given().when().get("/v1/ipcache").then().statusCode(200).body("$", hasSize(0));
    }
}
