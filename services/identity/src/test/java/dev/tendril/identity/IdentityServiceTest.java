package dev.tendril.identity;

import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.ServiceContractTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class IdentityServiceTest extends ServiceContractTest {

    @Override
    protected String serviceName() {
        return "identity";
    }
}
