package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tendril.policy.adapters.persistence.PolicyStore;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.domain.SubjectEvent;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A subject whose map needs more than map-max-entries: an event, a metric, an error log and no publish. */
@QuarkusTest
@TestProfile(OverflowTest.SmallMaps.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class OverflowTest {

    /** The smallest map Cilium allows. */
    public static class SmallMaps implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tendril.policy.map-max-entries", "256");
        }
    }

    @Inject
    PolicyRuntime runtime;

    @Inject
    PolicyStore store;

    @Test
    void anOverflowingSubjectIsReportedAndNotPublished() {
        String ns = "overflow-" + UUID.randomUUID().toString().substring(0, 8);
        String ports = IntStream.rangeClosed(1, 300)
                .mapToObj(p -> "      - port: \"" + (1000 + p) + "\"\n        protocol: TCP")
                .collect(Collectors.joining("\n"));
        String cnp = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: many-ports
                  namespace: %s
                spec:
                  endpointSelector:
                    matchLabels:
                      app: big
                  ingress:
                  - toPorts:
                    - ports:
                %s
                """.formatted(ns, ports);
        given().contentType("application/yaml")
                .body(cnp.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200);
        long big = TestTopics.freshIdentity();
        long small = big + 1;
        TestTopics.identity(TestTopics.podIdentity(big, ns, "big"));
        TestTopics.identity(TestTopics.podIdentity(small, ns, "small"));

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(store.subjectEvents(big))
                        .singleElement()
                        .satisfies(e -> {
                            SubjectEvent.PolicyMapOverflowed o = (SubjectEvent.PolicyMapOverflowed) e;
                            assertThat(o.subject()).isEqualTo(big);
                            assertThat(o.entries()).isGreaterThan(256);
                            assertThat(o.maxEntries()).isEqualTo(256);
                            assertThat(o.policies()).containsExactly("CiliumNetworkPolicy/" + ns + "/many-ports");
                        }));
        await().atMost(Duration.ofSeconds(30)).until(() -> TestTopics.latest(small) != null);
        assertThat(TestTopics.policyRecords(big)).isEmpty();
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("tendril_policy_map_overflow_total{subject=\"" + big + "\"} 1.0");
        assertThat(metrics).containsPattern("tendril_policy_map_overflowing(_subjects)? [1-9]");
        assertThat(metrics).contains("tendril_policy_subjects_published_total");
        assertThat(metrics).contains("tendril_policy_compile_seconds_count");
        given().get("/v1/identities/" + big + "/policymap").then().statusCode(404);
    }
}
