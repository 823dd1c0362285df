package dev.tendril.agent.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;

import dev.tendril.api.v1.IdentityServiceGrpc;
import dev.tendril.api.v1.IpamGrpc;
import dev.tendril.api.v1.ListEndpointsRequest;
import dev.tendril.api.v1.ReleasePodRequest;
import io.grpc.ManagedChannel;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The endpoint API over REST, with IPAM and the identity service as in-memory fakes behind real gRPC
 * ({@link FakeControlPlane}); memory maps, no Kafka (the maps hold only the API's endpoints).
 */
@QuarkusTest
@WithTestResource(FakeControlPlane.class)
@TestProfile(EndpointApiTest.RegisterOn.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndpointApiTest {

    public static class RegisterOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tendril.agent.register-node", "true");
        }
    }

    static final String WEB = """
            {"namespace":"shop","pod":"web-1","uid":"uid-web-1","labels":{"app":"web"},"serviceAccount":"web",
             "namedPorts":[{"name":"http","port":8080,"protocol":"TCP"}]}""";

    @ConfigProperty(name = "tendril.agent.ipam-url")
    String controlPlane;

    @BeforeEach
    void registered() {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .body("checks.data.ipam", hasItem(startsWith("registered [10.0.1.0/24"))));
    }

    @Test
    @Order(1)
    void createsAnEndpointWithAddressesIdentityAndMapsAndRepeatsIdempotently() {
        given().contentType(ContentType.JSON)
                .body(WEB)
                .post("/v1/endpoints")
                .then()
                .statusCode(201)
                .body("namespace", equalTo("shop"))
                .body("pod", equalTo("web-1"))
                .body("uid", equalTo("uid-web-1"))
                .body("endpointId", equalTo(1))
                .body("ipv4", equalTo("10.0.1.2"))
                .body("ipv6", equalTo("fd00::102"))
                .body("identity", equalTo(1000))
                .body("node", equalTo("node-1"));
        given().contentType(ContentType.JSON)
                .body(WEB)
                .post("/v1/endpoints")
                .then()
                .statusCode(200)
                .body("endpointId", equalTo(1))
                .body("ipv4", equalTo("10.0.1.2"));

        given().get("/v1/endpoints")
                .then()
                .statusCode(200)
                .body("$", hasSize(1))
                .body("[0].pod", equalTo("web-1"));
        given().get("/v1/maps/policy/shop/web-1")
                .then()
                .statusCode(200)
                .body("map", equalTo("cilium_policy_v2_1"))
                .body("entries", equalTo(0));
        given().get("/v1/maps/endpoints")
                .then()
                .statusCode(200)
                .body("entries", equalTo(2))
                .body("rows.endpointId", hasItem(1));
        assertThat(identityEndpoints()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void refusesBadInputAndAnotherUidWithProblemJson() {
        given().contentType(ContentType.JSON)
                .body(WEB.replace("uid-web-1", "uid-other"))
                .post("/v1/endpoints")
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("field", equalTo("uid"));
        given().contentType(ContentType.JSON)
                .body(WEB.replace("\"shop\"", "\"Shop!\""))
                .post("/v1/endpoints")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("namespace"));
        given().contentType(ContentType.JSON)
                .body(WEB.replace("8080", "0"))
                .post("/v1/endpoints")
                .then()
                .statusCode(400)
                .body("field", equalTo("namedPorts"));
    }

    @Test
    @Order(3)
    void aRejectedRegistrationRollsBackTheAddressesAndLeavesNoMap() {
        given().contentType(ContentType.JSON)
                .body(WEB.replace("\"shop\"", "\"ghost\"").replace("uid-web-1", "uid-ghost"))
                .post("/v1/endpoints")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("field", equalTo("namespace"));

        ManagedChannel c = GrpcClients.channel(controlPlane);
        try {
            assertThat(IpamGrpc.newBlockingStub(c)
                            .releasePod(ReleasePodRequest.newBuilder()
                                    .setNode("node-1")
                                    .setUid("uid-ghost")
                                    .build())
                            .getReleasedList())
                    .isEmpty();
        } finally {
            c.shutdownNow();
        }
        given().get("/v1/maps")
                .then()
                .statusCode(200)
                .body("name", org.hamcrest.Matchers.not(hasItem("cilium_policy_v2_2")));
        given().get("/v1/endpoints").then().body("$", hasSize(1));
    }

    @Test
    @Order(4)
    void relabelKeepsTheEndpointAndReturnsItsNewIdentity() {
        given().contentType(ContentType.JSON)
                .body(WEB.replace("\"app\":\"web\"", "\"app\":\"web\",\"tier\":\"front\""))
                .post("/v1/endpoints")
                .then()
                .statusCode(200)
                .body("endpointId", equalTo(1))
                .body("ipv4", equalTo("10.0.1.2"))
                .body("identity", equalTo(1001));
        given().get("/v1/maps/endpoints").then().body("rows.identity", org.hamcrest.Matchers.everyItem(equalTo(1001)));
    }

    @Test
    @Order(5)
    void deleteUndoesItAllAndRefusesStaleUidsAndUnknownPods() {
        given().delete("/v1/endpoints/shop/web-1?uid=uid-stale")
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("field", equalTo("uid"));
        given().delete("/v1/endpoints/shop/web-1?uid=uid-web-1")
                .then()
                .statusCode(200)
                .body("endpointId", equalTo(1));
        given().delete("/v1/endpoints/shop/web-1?uid=uid-web-1")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");

        given().get("/v1/maps/policy/1").then().statusCode(404);
        given().get("/v1/maps/endpoints").then().body("entries", equalTo(0));
        given().get("/v1/endpoints").then().body("$", hasSize(0));
        assertThat(identityEndpoints()).isZero();
        ManagedChannel c = GrpcClients.channel(controlPlane);
        try {
            assertThat(IpamGrpc.newBlockingStub(c)
                            .releasePod(ReleasePodRequest.newBuilder()
                                    .setNode("node-1")
                                    .setUid("uid-web-1")
                                    .build())
                            .getReleasedList())
                    .isEmpty();
        } finally {
            c.shutdownNow();
        }
    }

    /** 256 requests the identity service would refuse: each is a 400 naming the field, and none takes an address. */
    @Test
    @Order(6)
    void invalidRequestsAreRefusedBeforeAnyAddressIsTaken() {
        record Bad(String field, String json) {}
        List<Bad> bad = List.of(
                new Bad("labels", WEB.replace("\"app\":\"web\"", "\"app/\":\"web\"")),
                new Bad("labels", WEB.replace("\"app\":\"web\"", "\"Example.com/app\":\"web\"")),
                new Bad("labels", WEB.replace("\"app\":\"web\"", "\"app\":\"<script>\"")),
                new Bad("labels", WEB.replace("\"app\":\"web\"", "\"app\":\"" + "w".repeat(64) + "\"")),
                new Bad("labels", WEB.replace("\"app\":\"web\"", "\"" + "k".repeat(64) + "\":\"web\"")),
                new Bad("pod", WEB.replace("\"web-1\"", "\"web..1\"")),
                new Bad("uid", WEB.replace("uid-web-1", "uid\\u0007")),
                new Bad("serviceAccount", WEB.replace("\"serviceAccount\":\"web\"", "\"serviceAccount\":\"Web SA\"")),
                new Bad("namedPorts", WEB.replace("\"http\"", "\"HTTP_ALT\"")));
        for (int i = 0; i < 256; i++) {
            Bad b = bad.get(i % bad.size());
            given().contentType(ContentType.JSON)
                    .body(b.json().replace("uid-web-1", "uid-bad-" + i).replace("\"web-1\"", "\"bad-" + i + "\""))
                    .post("/v1/endpoints")
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("field", equalTo(b.field()));
        }
        // The fake IPAM hands out addresses in order and never twice: the next pod gets the next one.
        given().contentType(ContentType.JSON)
                .body(WEB.replace("uid-web-1", "uid-good").replace("\"web-1\"", "\"good-1\""))
                .post("/v1/endpoints")
                .then()
                .statusCode(201)
                .body("ipv4", equalTo("10.0.1.4"));
    }

    /** A pod deleted with a grace period is terminating, still served, and goes when the period is over. */
    @Test
    @Order(7)
    void aDeletionWithAGracePeriodKeepsThePodTerminatingThenRemovesIt() {
        String grace = WEB.replace("uid-web-1", "uid-grace").replace("\"web-1\"", "\"grace-1\"");
        given().contentType(ContentType.JSON)
                .body(grace)
                .post("/v1/endpoints")
                .then()
                .statusCode(201);
        for (String bad : List.of("abc", "-1", "1.5", "31536001")) {
            given().delete("/v1/endpoints/shop/grace-1?uid=uid-grace&gracePeriodSeconds=" + bad)
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("field", equalTo("gracePeriodSeconds"));
        }
        given().get("/v1/endpoints/shop/grace-1").then().statusCode(200).body("terminating", equalTo(false));

        given().delete("/v1/endpoints/shop/grace-1?uid=uid-grace&gracePeriodSeconds=2")
                .then()
                .statusCode(202)
                .body("pod", equalTo("grace-1"))
                .body("terminating", equalTo(true))
                .body("removeAt", org.hamcrest.Matchers.notNullValue());
        given().get("/v1/endpoints/shop/grace-1")
                .then()
                .statusCode(200)
                .body("terminating", equalTo(true))
                .body("ipv4", org.hamcrest.Matchers.notNullValue());
        given().get("/v1/maps/policy/shop/grace-1").then().statusCode(200);
        given().contentType(ContentType.JSON)
                .body(grace)
                .post("/v1/endpoints")
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("field", equalTo("pod"));
        assertThat(identityEndpoint("shop", "grace-1").getTerminating()).isTrue();

        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> given().get("/v1/endpoints/shop/grace-1").then().statusCode(404));
        given().get("/v1/maps/policy/shop/grace-1").then().statusCode(404);
        assertThat(identityEndpoint("shop", "grace-1")).isNull();
    }

    private dev.tendril.api.v1.Endpoint identityEndpoint(String namespace, String pod) {
        ManagedChannel c = GrpcClients.channel(controlPlane);
        try {
            return IdentityServiceGrpc.newBlockingStub(c)
                    .listEndpoints(ListEndpointsRequest.getDefaultInstance())
                    .getEndpointsList()
                    .stream()
                    .filter(e ->
                            e.getNamespace().equals(namespace) && e.getPod().equals(pod))
                    .findFirst()
                    .orElse(null);
        } finally {
            c.shutdownNow();
        }
    }

    private int identityEndpoints() {
        ManagedChannel c = GrpcClients.channel(controlPlane);
        try {
            return IdentityServiceGrpc.newBlockingStub(c)
                    .listEndpoints(ListEndpointsRequest.getDefaultInstance())
                    .getEndpointsCount();
        } finally {
            c.shutdownNow();
        }
    }
}
