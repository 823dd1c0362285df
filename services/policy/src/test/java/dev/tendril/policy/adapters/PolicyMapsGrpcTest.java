package dev.tendril.policy.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tendril.api.v1.GetPolicyMapsRequest;
import dev.tendril.api.v1.GetPolicyMapsResponse;
import dev.tendril.api.v1.PolicyMapsGrpc;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * gRPC {@code PolicyMaps.GetPolicyMaps} on the HTTP port: the records tendril.policy holds, byte for byte and in the
 * order asked, the subjects it holds none of listed as absent, bad input refused naming the field.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class PolicyMapsGrpcTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static String ns() {
        return "maps-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static <T> T maps(Function<PolicyMapsGrpc.PolicyMapsBlockingStub, T> call) {
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        try {
            return call.apply(PolicyMapsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS));
        } finally {
            channel.shutdownNow();
        }
    }

    private static GetPolicyMapsResponse get(long... subjects) {
        GetPolicyMapsRequest.Builder request = GetPolicyMapsRequest.newBuilder();
        for (long s : subjects) {
            request.addSubjects((int) s);
        }
        return maps(s -> s.getPolicyMaps(request.build()));
    }

    /** The subject's latest record on tendril.policy as the broker holds it; null when none or a tombstone. */
    private static byte[] publishedBytes(long subject) {
        List<byte[]> records = TestTopics.read(TestTopics.POLICY).getOrDefault(Long.toString(subject), List.of());
        return records.isEmpty() ? null : records.getLast();
    }

    private static double served() {
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines()
                .filter(l -> l.startsWith("tendril_policy_maps_served_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void answersThePublishedRecordsByteForByteInTheOrderAskedAndListsAbsentSubjects() {
        String ns = ns();
        long web = TestTopics.freshIdentity();
        long db = web + 1;
        long never = web + 2;
        TestTopics.identity(TestTopics.podIdentity(web, ns, "web"));
        TestTopics.identity(TestTopics.podIdentity(db, ns, "db"));
        given().contentType("application/yaml")
                .body(PolicyApiTest.allowWeb(ns, 5432).getBytes(StandardCharsets.UTF_8))
                .put("/v1/policies")
                .then()
                .statusCode(200);
        await().atMost(WAIT)
                .until(() -> TestTopics.latest(db) != null
                        && TestTopics.latest(db).getIngressEnforcedByCount() == 1
                        && TestTopics.latest(web) != null);
        double servedBefore = served();

        await().atMost(WAIT).untilAsserted(() -> {
            GetPolicyMapsResponse answer = get(db, never, web);
            assertThat(answer.getMapsList()).hasSize(2);
            assertThat(answer.getMaps(0).toByteArray()).isEqualTo(publishedBytes(db));
            assertThat(answer.getMaps(1).toByteArray()).isEqualTo(publishedBytes(web));
            assertThat(answer.getAbsentList()).containsExactly((int) never);
        });
        given().get("/q/health/ready")
                .then()
                .body(
                        "checks.find { it.name == 'policy-inputs' }.data.maps",
                        org.hamcrest.Matchers.equalTo("FOLLOWING"));
        SubjectPolicyMap dbMap = get(db).getMaps(0);
        assertThat(dbMap.getSubject()).isEqualTo((int) db);
        assertThat(dbMap.getRevision()).isEqualTo(TestTopics.latest(db).getRevision());
        assertThat(dbMap.getIngressEnforcedByList()).containsExactly("NetworkPolicy/" + ns + "/allow-web");
        assertThat(served() - servedBefore).isGreaterThanOrEqualTo(3);

        TestTopics.send(TestTopics.IDENTITIES, Long.toString(db), null);
        await().atMost(WAIT).untilAsserted(() -> {
            GetPolicyMapsResponse answer = get(web, db);
            assertThat(answer.getMapsList())
                    .singleElement()
                    .satisfies(m -> assertThat(m.toByteArray()).isEqualTo(publishedBytes(web)));
            assertThat(answer.getAbsentList()).containsExactly((int) db);
        });
        assertThat(TestTopics.policyRecords(db)).last().isNull();
    }

    @Test
    void refusesTooManyRepeatedOrZeroSubjectsNamingTheField() {
        Map<String, List<Integer>> bad = new LinkedHashMap<>();
        bad.put("subjects:", IntStream.rangeClosed(1, 4097).boxed().toList());
        bad.put("subjects[1]:", List.of(7, 0));
        bad.put("subjects[2]:", List.of(7, 8, 7));
        bad.forEach((field, subjects) -> assertThatThrownBy(
                        () -> maps(s -> s.getPolicyMaps(GetPolicyMapsRequest.newBuilder()
                                .addAllSubjects(subjects)
                                .build())))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).as(field).startsWith(field);
                }));

        // 4096 distinct subjects are fine; the unsigned top of the range is an identity like any other.
        List<Integer> most = IntStream.rangeClosed(1, 4095).boxed().collect(java.util.stream.Collectors.toList());
        most.add(-1);
        GetPolicyMapsResponse answer = await().atMost(WAIT)
                .ignoreException(StatusRuntimeException.class)
                .until(
                        () -> maps(s -> s.getPolicyMaps(GetPolicyMapsRequest.newBuilder()
                                .addAllSubjects(most)
                                .build())),
                        a -> true);
        assertThat(answer.getMapsCount() + answer.getAbsentCount()).isEqualTo(4096);
        assertThat(answer.getAbsentList()).contains(-1);
    }
}
