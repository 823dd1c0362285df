package dev.tendril.policy;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import dev.tendril.api.v1.GetPolicyMapsRequest;
import dev.tendril.api.v1.PolicyMapsService;
import dev.tendril.policy.adapters.FakeIdentityService;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SchemaFuzzTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class PolicyFuzzTest extends SchemaFuzzTest {

    @Override
    protected String eventSchema() {
        return "policy";
    }

    @Override
    protected String serviceName() {
        return "policy";
    }

    /** Manifests as JSON (a YAML document too): mutations reach the manifest rules, not only the parser. */
    @Override
    protected Map<String, String> validBodies() {
        return Map.of(
                "PUT /v1/policies", """
                        {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",\
                        "metadata":{"name":"fuzz-allow-web","namespace":"fuzz"},\
                        "spec":{"podSelector":{"matchLabels":{"app":"db"}},\
                        "ingress":[{"from":[{"podSelector":{"matchLabels":{"app":"web"}}}],\
                        "ports":[{"port":5432,"protocol":"TCP"}]}]}}""",
                "POST /v1/trace", """
                        {"from":{"namespace":"fuzz","pod":"a"},"to":{"namespace":"fuzz","pod":"b"},\
                        "port":80,"protocol":"TCP"}""");
    }

    @Override
    protected Map<String, String> validParameters() {
        return Map.of(
                "kind", "NetworkPolicy", "namespace", "fuzz", "name", "fuzz-allow-web", "id", "1", "dryRun", "true");
    }

    /** The agents' {@code GetPolicyMaps} (every replica serves it on the HTTP port). */
    @Override
    protected List<Descriptors.ServiceDescriptor> grpcServices() {
        return List.of(PolicyMapsService.getDescriptor().findServiceByName("PolicyMaps"));
    }

    @Override
    protected Map<String, Message> validGrpcRequests() {
        return Map.of(
                "GetPolicyMaps",
                GetPolicyMapsRequest.newBuilder()
                        .addSubjects(1)
                        .addSubjects(256)
                        .build());
    }
}
