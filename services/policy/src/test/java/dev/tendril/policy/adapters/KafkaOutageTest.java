package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.tendril.policy.adapters.persistence.PolicyStore;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.domain.PolicyEvent;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SharedInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Policy writes while the Kafka broker is down: PostgreSQL holds the events, so a write is committed and
 * answered at once; the maps reach tendril.policy once the broker is back (the failed sends are retried).
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class KafkaOutageTest {

    /** What an operator's client waits before it gives up (the tester's gave up after about a minute). */
    private static final int CLIENT_TIMEOUT_MS = 8_000;

    private static final Duration WAIT = Duration.ofSeconds(90);

    @Inject
    PolicyRuntime runtime;

    @Inject
    PolicyStore store;

    @AfterEach
    void brokerBack() {
        SharedInfrastructure.kafka(); // restarts the shared broker if a failed test left it stopped
    }

    private static RequestSpecification client() {
        return given().config(RestAssuredConfig.config()
                .httpClient(HttpClientConfig.httpClientConfig()
                        .setParam("http.connection.timeout", CLIENT_TIMEOUT_MS)
                        .setParam("http.socket.timeout", CLIENT_TIMEOUT_MS)));
    }

    private static Response put(String yaml) {
        return client().contentType("application/yaml")
                .body(yaml.getBytes(StandardCharsets.UTF_8))
                .put("/v1/policies");
    }

    @Test
    void writesDuringAnOutageAreCommittedAndAnsweredAndPublishedWhenKafkaIsBack() {
        String ns = "outage-" + UUID.randomUUID().toString().substring(0, 8);
        long base = TestTopics.freshIdentity();
        List<Long> pods = LongStream.range(base, base + 8).boxed().toList();
        pods.forEach(id -> TestTopics.identity(TestTopics.podIdentity(id, ns, "app" + (id - base))));
        await().atMost(WAIT).until(() -> pods.stream().allMatch(id -> TestTopics.latest(id) != null));
        await().atMost(WAIT).until(runtime::publishedAll);
        PolicyRef deny = new PolicyRef("NetworkPolicy", ns, "default-deny-ingress");
        PolicyRef allow = new PolicyRef("NetworkPolicy", ns, "allow-web");

        KafkaBroker kafka = SharedInfrastructure.kafka();
        kafka.stop();
        try {
            Response applied = put(PolicyApiTest.defaultDeny(ns) + "---\n" + PolicyApiTest.allowWeb(ns, 5432));
            applied.then()
                    .statusCode(200)
                    .body("policies.result", org.hamcrest.Matchers.contains("created", "created"));
            long revision = applied.jsonPath().getLong("revision");
            assertThat(store.policyEvents(deny)).singleElement().isInstanceOf(PolicyEvent.PolicyApplied.class);
            assertThat(store.readModel()).containsKeys(deny, allow);
            client().get("/v1/policies/NetworkPolicy/" + ns + "/default-deny-ingress")
                    .then()
                    .statusCode(200)
                    .body("revision", equalTo((int) revision));

            client().delete("/v1/policies/NetworkPolicy/" + ns + "/allow-web")
                    .then()
                    .statusCode(200);
            assertThat(store.policyEvents(allow))
                    .extracting(e -> e.getClass().getSimpleName())
                    .containsExactly("PolicyApplied", "PolicyDeleted");
            List<PolicyRef> enforcing =
                    runtime.read(v -> v.engine().subject(base).orElseThrow().enforcedBy().values().stream()
                            .flatMap(java.util.Set::stream)
                            .toList());
            assertThat(enforcing).contains(deny);
            // Kept down until sends of the new maps have failed, so that the retry is what publishes them.
            await().atMost(WAIT).until(() -> runtime.unpublished().containsAll(pods));
        } finally {
            kafka.restart();
        }

        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(pods)
                        .allSatisfy(id -> assertThat(TestTopics.latest(id).getIngressEnforcedByList())
                                .containsExactly("NetworkPolicy/" + ns + "/default-deny-ingress")));
        await().atMost(WAIT).until(runtime::publishedAll);
    }
}
