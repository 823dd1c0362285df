package dev.tendril.ipam;

import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.RestEdgeContractTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class IpamRestEdgeTest extends RestEdgeContractTest {

    @Override
    protected String eventSchema() {
        return "ipam";
    }

    @Override
    protected WriteRequest writeRequest() {
        return new WriteRequest("POST", "/v1/nodes/edge-node/allocations", """
                {"owner":"default/edge-pod","uid":"edge-uid-1"}""", "owner");
    }
}
