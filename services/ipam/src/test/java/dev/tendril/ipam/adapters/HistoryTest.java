package dev.tendril.ipam.adapters;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import dev.tendril.api.v1.AllocatePodIpsRequest;
import dev.tendril.api.v1.IpamGrpc;
import dev.tendril.api.v1.RegisterNodeRequest;
import dev.tendril.api.v1.ReleasePodRequest;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** Who changed what: a node's and a pod's changes with the request that caused each. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class HistoryTest {

    private static final Metadata.Key<String> REQUEST_ID =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private static IpamGrpc.IpamBlockingStub withRequestId(IpamGrpc.IpamBlockingStub stub, String requestId) {
        Metadata headers = new Metadata();
        headers.put(REQUEST_ID, requestId);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @Test
    void anAgentsRegistrationAndAllocationsRecordTheirRequestIds() throws Exception {
        String node = "hist-" + UUID.randomUUID().toString().substring(0, 8);
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        try {
            var ipam = IpamGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            withRequestId(ipam, "register-" + node)
                    .registerNode(RegisterNodeRequest.newBuilder()
                            .setName(node)
                            .addIps("192.168.77.1")
                            .build());
            withRequestId(ipam, "cni-add-" + node)
                    .allocatePodIps(AllocatePodIpsRequest.newBuilder()
                            .setNode(node)
                            .setOwner("demo/web-" + node)
                            .setUid("uid-" + node)
                            .build());
            given().header("X-Request-Id", "confirm-" + node)
                    .queryParam("uid", "uid-" + node)
                    .post("/v1/nodes/" + node + "/allocations/confirm")
                    .then()
                    .statusCode(204)
                    .header("X-Request-Id", "confirm-" + node);
            withRequestId(ipam, "cni-del-" + node)
                    .releasePod(ReleasePodRequest.newBuilder()
                            .setNode(node)
                            .setUid("uid-" + node)
                            .build());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        given().queryParam("kind", "Node")
                .queryParam("name", node)
                .get("/v1/history")
                .then()
                .statusCode(200)
                .body("changes.type", hasItem("NodeRegistered"))
                .body("changes.type", hasItem("PodCidrAllocated"))
                .body(
                        "changes.findAll { it.type == 'NodeRegistered' || it.type == 'PodCidrAllocated' }.requestId",
                        everyItem(equalTo("register-" + node)))
                .body("changes.principal", everyItem(equalTo("anonymous")))
                .body("changes.service", everyItem(equalTo("ipam")));
        given().queryParam("kind", "Pod")
                .queryParam("namespace", "demo")
                .queryParam("name", "web-" + node)
                .get("/v1/history")
                .then()
                .statusCode(200)
                .body(
                        "changes.findAll { it.type == 'PodIpAllocated' }.requestId",
                        everyItem(equalTo("cni-add-" + node)))
                .body("changes.findAll { it.type == 'PodIpAllocated' }", hasSize(2))
                .body(
                        "changes.findAll { it.type == 'PodIpsConfirmed' }.requestId",
                        everyItem(equalTo("confirm-" + node)))
                .body("changes.findAll { it.type == 'PodIpsConfirmed' }", hasSize(1))
                .body("changes.findAll { it.type == 'PodIpReleased' }.requestId", everyItem(equalTo("cni-del-" + node)))
                .body("changes.findAll { it.type == 'PodIpReleased' }", hasSize(2))
                .body("changes[0].what.owner", equalTo("demo/web-" + node));
    }

    @Test
    void refusesUnknownKindsAndBadNamesNamingTheParameter() {
        given().queryParam("kind", "Namespace")
                .queryParam("name", "x")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("kind"));
        given().queryParam("kind", "Node")
                .queryParam("name", "Bad_Node")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .body("field", equalTo("name"));
        given().queryParam("kind", "Pod")
                .queryParam("namespace", "Bad")
                .queryParam("name", "p")
                .get("/v1/history")
                .then()
                .statusCode(400)
                .body("field", equalTo("namespace"));
        given().queryParam("kind", "Node")
                .queryParam("name", "never-registered")
                .get("/v1/history")
                .then()
                .statusCode(200)
                .body("changes", hasSize(0));
    }
}
