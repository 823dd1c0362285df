package dev.tendril.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExtensionContext;

class DockerEngineConditionTest {

    private static final String NO_ENGINE = DockerEngine.reason(null, false);

    @Test
    void theReasonNamesWhereNoEngineWasFound() {
        assertThat(NO_ENGINE)
                .isEqualTo("testcontainers profile: no Docker engine (DOCKER_HOST unset, /var/run/docker.sock missing):"
                        + " integration tests skipped");
        assertThat(DockerEngine.reason("tcp://10.0.0.9:2375", true))
                .contains("DOCKER_HOST=tcp://10.0.0.9:2375 does not answer, /var/run/docker.sock does not answer");
    }

    @Test
    void embeddedServersNeverAskForDocker() {
        var condition = new DockerEngineCondition(
                () -> InfrastructureMode.EMBEDDED, () -> fail("the default build must not look for Docker"));

        assertThat(condition
                        .evaluateExecutionCondition(contextOf(TakesKafka.class))
                        .isDisabled())
                .isFalse();
    }

    @Test
    void withoutDockerDisablesQuarkusTestsOfTheSharedServersSayingWhy() {
        var condition = new DockerEngineCondition(() -> InfrastructureMode.CONTAINERS, () -> Optional.of(NO_ENGINE));

        for (Class<?> testClass : new Class<?>[] {TakesKafka.class, TakesBoth.class, TakesKafka.Inner.class}) {
            ConditionEvaluationResult result = condition.evaluateExecutionCondition(contextOf(testClass));
            assertThat(result.isDisabled()).as(testClass.getName()).isTrue();
            assertThat(result.getReason()).contains(NO_ENGINE);
        }
    }

    @Test
    void withoutDockerLeavesOtherTestsToSharedInfrastructure() {
        Supplier<Optional<String>> noDocker = () -> Optional.of(NO_ENGINE);
        var condition = new DockerEngineCondition(() -> InfrastructureMode.CONTAINERS, noDocker);

        assertThat(condition
                        .evaluateExecutionCondition(contextOf(TakesOtherResource.class))
                        .isDisabled())
                .isFalse();
        assertThat(condition
                        .evaluateExecutionCondition(contextOf(DockerEngineConditionTest.class))
                        .isDisabled())
                .isFalse();
    }

    @Test
    void withDockerRunsEverything() {
        var condition = new DockerEngineCondition(() -> InfrastructureMode.CONTAINERS, Optional::empty);

        assertThat(condition
                        .evaluateExecutionCondition(contextOf(TakesBoth.class))
                        .isDisabled())
                .isFalse();
    }

    private static ExtensionContext contextOf(Class<?> testClass) {
        return (ExtensionContext) Proxy.newProxyInstance(
                ExtensionContext.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getTestClass" -> Optional.of(testClass);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @WithTestResource(KafkaTestResource.class)
    static class TakesKafka {
        static class Inner {}
    }

    @WithTestResource(PostgresTestResource.class)
    @WithTestResource(KafkaTestResource.class)
    static class TakesBoth {}

    @WithTestResource(OtherResource.class)
    static class TakesOtherResource {}

    public static final class OtherResource implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            return Map.of();
        }

        @Override
        public void stop() {}
    }
}
