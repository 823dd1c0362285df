package dev.tendril.policy;

import dev.tendril.policy.adapters.FakeIdentityService;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.RestEdgeContractTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class PolicyRestEdgeTest extends RestEdgeContractTest {

    @Override
    protected String eventSchema() {
        return "policy";
    }

    @Override
    protected WriteRequest writeRequest() {
        return new WriteRequest("POST", "/v1/trace", """
                {"from":{"namespace":"default","pod":"a"},"to":{"namespace":"default","pod":"b"},\
                "port":80,"protocol":"TCP"}""", "protocol");
    }
}
