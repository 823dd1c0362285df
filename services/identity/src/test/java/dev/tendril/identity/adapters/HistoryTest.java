package dev.tendril.identity.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;

import dev.tendril.api.v1.IdentityServiceGrpc;
import dev.tendril.api.v1.RegisterEndpointRequest;
import dev.tendril.api.v1.UpsertNamespaceRequest;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** Who changed what: every change records the caller and the request id, and /v1/history shows them. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class HistoryTest {

    private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static final Metadata.Key<String> REQUEST_ID =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void restChangesRecordTheirRequestIdAndTheAnonymousCaller() {
        String ns = unique("hist");
        given().header("X-Request-Id", "req-ns-" + ns)
                .contentType(ContentType.JSON)
                .body(Map.of("labels", Map.of()))
                .put("/v1/namespaces/" + ns)
                .then()
                .statusCode(200)
                .header("X-Request-Id", "req-ns-" + ns);
        given().header("X-Request-Id", "req-pod-" + ns)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "uid", "u-1", "node", "node-7", "ips", List.of("10.91.0.1"), "labels", Map.of("app", "web")))
                .put("/v1/endpoints/" + ns + "/web-1")
                .then()
                .statusCode(200)
                .header("X-Request-Id", "req-pod-" + ns);
        given().delete("/v1/endpoints/" + ns + "/web-1").then().statusCode(204);

        given().queryParam("kind", "Pod")
                .queryParam("namespace", ns)
                .queryParam("name", "web-1")
                .get("/v1/history")
                .then()
                .statusCode(200)
                .body("kind", equalTo("Pod"))
                .body("namespace", equalTo(ns))
                .body("changes", hasSize(2))
                .body("changes[0].type", equalTo("EndpointRegistered"))
                .body("changes[0].service", equalTo("identity"))
                .body("changes[0].principal", equalTo("anonymous"))
                .body("changes[0].requestId", equalTo("req-pod-" + ns))
                .body("changes[0].stream", equalTo("endpoint/" + ns + "/web-1"))
                .body("changes[0].version", equalTo(1))
                .body("changes[0].what.endpoint.spec.node", equalTo("node-7"))
                .body("changes[1].type", equalTo("EndpointDeregistered"))
                .body("changes[1].requestId", matchesPattern(UUID_PATTERN));
        given().queryParam("kind", "Namespace")
                .queryParam("name", ns)
                .get("/v1/history")
                .then()
                .statusCode(200)
                .body("changes", hasSize(1))
                .body("changes[0].type", equalTo("NamespaceUpserted"))
                .body("changes[0].requestId", equalTo("req-ns-" + ns));
    }

    @Test
    void aNewIdentityRecordsTheRequestThatAskedForItThoughAWorkerAllocatesIt() {
        String app = unique("hist-app");
        int id = given().header("X-Request-Id", "req-" + app)
                .contentType(ContentType.JSON)
                .body(Map.of("labels", List.of("k8s:app=" + app)))
                .post("/v1/identities")
                .then()
                .statusCode(201)
                .extract()
                .path("id");

        given().queryParam("kind", "Identity")
                .queryParam("name", String.valueOf(id))
                .get("/v1/history")
                .then()
                .statusCode(200)
                .body("changes", hasSize(1))
                .body("changes[0].type", equalTo("IdentityAllocated"))
                .body("changes[0].principal", equalTo("anonymous"))
                .body("changes[0].requestId", equalTo("req-" + app));
    }

    @Test
    void aCallWithoutARequestIdGetsOneAndIsAnsweredWithIt() {
        String ns = unique("hist-gen");
        String sent = given().contentType(ContentType.JSON)
                .body(Map.of("labels", Map.of()))
                .put("/v1/namespaces/" + ns)
                .then()
                .statusCode(200)
                .header("X-Request-Id", matchesPattern(UUID_PATTERN))
                .extract()
                .header("X-Request-Id");

        given().queryParam("kind", "Namespace")
                .queryParam("name", ns)
                .get("/v1/history")
                .then()
                .statusCode(200)
                .body("changes[0].requestId", equalTo(sent));
    }

    @Test
    void refusesAnUnusableRequestIdAndChangesNothing() {
        String ns = unique("hist-bad");
        for (String bad : List.of("has space", "x".repeat(129), "semi;colon")) {
            given().header("X-Request-Id", bad)
                    .contentType(ContentType.JSON)
                    .body(Map.of("labels", Map.of()))
                    .put("/v1/namespaces/" + ns)
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("field", equalTo("X-Request-Id"));
        }
        given().get("/v1/namespaces/" + ns).then().statusCode(404);
    }

    @Test
    void refusesUnknownKindsAndBadNamesNamingTheParameter() {
        given().queryParam("kind", "Deployment")
                .queryParam("name", "x")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("kind"))
                .body("detail", containsString("Namespace, Pod, Identity"));
        given().queryParam("kind", "Pod")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .body("field", equalTo("name"));
        given().queryParam("kind", "Pod")
                .queryParam("name", "Bad_Pod")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .body("field", equalTo("name"));
        given().queryParam("kind", "Pod")
                .queryParam("namespace", "Bad_Ns")
                .queryParam("name", "p")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .body("field", equalTo("namespace"));
        given().queryParam("kind", "Identity")
                .queryParam("name", "-3")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .body("field", equalTo("name"));
        given().queryParam("kind", "Namespace")
                .queryParam("name", "never-existed")
                .get("/v1/history")
                .then()
                .statusCode(200)
                .body("changes", hasSize(0));
    }

    @Test
    void anAgentsGrpcRegistrationRecordsTheRequestIdFromItsMetadata() throws Exception {
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        try {
            String ns = unique("hist-grpc");
            var identity = IdentityServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            identity.upsertNamespace(
                    UpsertNamespaceRequest.newBuilder().setName(ns).build());
            RegisterEndpointRequest register = RegisterEndpointRequest.newBuilder()
                    .setNamespace(ns)
                    .setPod("p")
                    .setUid("u1")
                    .setNode("node-3")
                    .addIps("10.92.0.1")
                    .putLabels("app", "a")
                    .build();
            Metadata headers = new Metadata();
            headers.put(REQUEST_ID, "cni-add-" + ns);
            identity.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .registerEndpoint(register);
            Metadata bad = new Metadata();
            bad.put(REQUEST_ID, "not valid");
            assertThatThrownBy(() -> identity.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bad))
                            .registerEndpoint(register.toBuilder().setPod("q").build()))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertThat(
                                    ((StatusRuntimeException) e).getStatus().getCode())
                            .isEqualTo(Status.Code.INVALID_ARGUMENT));

            given().queryParam("kind", "Pod")
                    .queryParam("namespace", ns)
                    .queryParam("name", "p")
                    .get("/v1/history")
                    .then()
                    .statusCode(200)
                    .body("changes", hasSize(1))
                    .body("changes[0].principal", equalTo("anonymous"))
                    .body("changes[0].requestId", equalTo("cni-add-" + ns))
                    .body("changes[0].what.endpoint.spec.node", equalTo("node-3"));
            given().queryParam("kind", "Pod")
                    .queryParam("namespace", ns)
                    .queryParam("name", "q")
                    .get("/v1/history")
                    .then()
                    .statusCode(200)
                    .body("changes", hasSize(0));
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
