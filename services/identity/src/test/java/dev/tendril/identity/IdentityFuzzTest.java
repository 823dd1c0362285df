package dev.tendril.identity;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import dev.tendril.api.v1.AllocateIdentityRequest;
import dev.tendril.api.v1.IdentityServiceOuterClass;
import dev.tendril.api.v1.RegisterEndpointRequest;
import dev.tendril.api.v1.UpsertNamespaceRequest;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SchemaFuzzTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class IdentityFuzzTest extends SchemaFuzzTest {

    /** The seeds' namespace exists, so that mutations reach the endpoint rules behind it. */
    @BeforeEach
    void namespaceExists() {
        given().contentType(ContentType.JSON)
                .body(Map.of("labels", Map.of()))
                .put("/v1/namespaces/fuzz")
                .then()
                .statusCode(anyOf(is(200), is(201)));
    }

    @Override
    protected String eventSchema() {
        return "identity";
    }

    @Override
    protected String serviceName() {
        return "identity";
    }

    @Override
    protected Map<String, String> validBodies() {
        return Map.of(
                "PUT /v1/endpoints/{namespace}/{pod}", """
                        {"uid":"7d1c0e0a-fuzz","node":"node-1","ips":["10.0.1.78"],"labels":{"app":"fuzz"},\
                        "serviceAccount":"default","namedPorts":[{"name":"http","port":80,"protocol":"TCP"}]}""",
                "PUT /v1/namespaces/{name}", """
                        {"labels":{"team":"fuzz"}}""",
                "POST /v1/identities", """
                        {"labels":["k8s:app=fuzz","k8s:io.kubernetes.pod.namespace=fuzz"]}""");
    }

    @Override
    protected Map<String, String> validParameters() {
        return Map.of(
                "namespace",
                "fuzz",
                "pod",
                "fuzz-pod",
                "name",
                "fuzz",
                "id",
                "1",
                "label",
                "k8s:app=fuzz",
                "node",
                "node-1",
                "identity",
                "1",
                "limit",
                "10");
    }

    @Override
    protected List<Descriptors.ServiceDescriptor> grpcServices() {
        return List.of(IdentityServiceOuterClass.getDescriptor().findServiceByName("IdentityService"));
    }

    @Override
    protected Map<String, Message> validGrpcRequests() {
        return Map.of(
                "RegisterEndpoint",
                        RegisterEndpointRequest.newBuilder()
                                .setNamespace("fuzz")
                                .setPod("fuzz-grpc-pod")
                                .setUid("7d1c0e0a-fuzz-grpc")
                                .setNode("node-1")
                                .addIps("10.0.1.79")
                                .putLabels("app", "fuzz")
                                .setServiceAccount("default")
                                .build(),
                "UpsertNamespace",
                        UpsertNamespaceRequest.newBuilder()
                                .setName("fuzz")
                                .putLabels("team", "fuzz")
                                .build(),
                "AllocateIdentity",
                        AllocateIdentityRequest.newBuilder()
                                .addLabels("k8s:app=fuzz")
                                .build());
    }
}
