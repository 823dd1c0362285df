package dev.tendril.ipam;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import dev.tendril.api.v1.AllocatePodIpsRequest;
import dev.tendril.api.v1.IpamOuterClass;
import dev.tendril.api.v1.RegisterNodeRequest;
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
class IpamFuzzTest extends SchemaFuzzTest {

    /** The seeds' node is registered, so that mutations reach the allocation rules behind it. */
    @BeforeEach
    void nodeExists() {
        given().contentType(ContentType.JSON)
                .body("{\"ips\":[\"192.0.2.201\"]}")
                .put("/v1/nodes/fuzz-node")
                .then()
                .statusCode(anyOf(is(200), is(201)));
    }

    @Override
    protected String eventSchema() {
        return "ipam";
    }

    @Override
    protected String serviceName() {
        return "ipam";
    }

    @Override
    protected Map<String, String> validBodies() {
        return Map.of(
                "PUT /v1/nodes/{name}", """
                        {"ips":["192.0.2.201"]}""",
                "POST /v1/nodes/{name}/allocations", """
                        {"owner":"default/fuzz-pod","uid":"fuzz-uid-1"}""");
    }

    @Override
    protected Map<String, String> validParameters() {
        return Map.of("name", "fuzz-node", "uid", "fuzz-uid-1", "ip", "10.0.0.5", "force", "false", "rollback", "true");
    }

    @Override
    protected List<Descriptors.ServiceDescriptor> grpcServices() {
        return List.of(IpamOuterClass.getDescriptor().findServiceByName("Ipam"));
    }

    @Override
    protected Map<String, Message> validGrpcRequests() {
        return Map.of(
                "RegisterNode",
                        RegisterNodeRequest.newBuilder()
                                .setName("fuzz-node")
                                .addIps("192.0.2.201")
                                .build(),
                "AllocatePodIps",
                        AllocatePodIpsRequest.newBuilder()
                                .setNode("fuzz-node")
                                .setOwner("default/fuzz-grpc-pod")
                                .setUid("fuzz-grpc-uid")
                                .build());
    }
}
