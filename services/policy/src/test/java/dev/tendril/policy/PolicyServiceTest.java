package dev.tendril.policy;

import dev.tendril.policy.adapters.FakeIdentityService;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.ServiceContractTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeIdentityService.class)
class PolicyServiceTest extends ServiceContractTest {

    @Override
    protected String serviceName() {
        return "policy";
    }
}
