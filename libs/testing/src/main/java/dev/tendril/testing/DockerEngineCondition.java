package dev.tendril.testing;

import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Under the {@code testcontainers} profile without a Docker engine, disables the Quarkus tests that take Kafka or
 * PostgreSQL from {@link KafkaTestResource} or {@link PostgresTestResource}. They must be stopped before Quarkus boots:
 * Quarkus reports a test resource that fails to start as a failure, not a skip. Plain JUnit tests need no help: {@link
 * SharedInfrastructure} skips them itself when they ask for a server.
 *
 * <p>JUnit finds this class through {@code META-INF/services} only when extension auto-detection is on, which only the
 * profile turns on; and it changes nothing unless {@link InfrastructureMode#CONTAINERS} is chosen.
 */
public final class DockerEngineCondition implements ExecutionCondition {

    private static final Set<String> SHARED_SERVER_RESOURCES =
            Set.of(KafkaTestResource.class.getName(), PostgresTestResource.class.getName());
    /** Compared by name: a Quarkus test class and its annotations may come from a class loader of Quarkus's own. */
    private static final Set<String> RESOURCE_ANNOTATIONS = Set.of(
            "io.quarkus.test.common.WithTestResource",
            "io.quarkus.test.common.WithTestResource$List",
            "io.quarkus.test.common.QuarkusTestResource",
            "io.quarkus.test.common.QuarkusTestResource$List");

    private final Supplier<InfrastructureMode> mode;
    private final Supplier<Optional<String>> dockerAbsence;

    public DockerEngineCondition() {
        this(InfrastructureMode::current, DockerEngine::absence);
    }

    DockerEngineCondition(Supplier<InfrastructureMode> mode, Supplier<Optional<String>> dockerAbsence) {
        this.mode = mode;
        this.dockerAbsence = dockerAbsence;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (mode.get() != InfrastructureMode.CONTAINERS) {
            return ConditionEvaluationResult.enabled("the embedded servers need no Docker engine");
        }
        Optional<Class<?>> testClass = context.getTestClass();
        if (testClass.isEmpty() || !takesSharedServersThroughQuarkus(testClass.get())) {
            return ConditionEvaluationResult.enabled("no Quarkus test resource of the shared servers");
        }
        return dockerAbsence
                .get()
                .map(ConditionEvaluationResult::disabled)
                .orElseGet(() -> ConditionEvaluationResult.enabled("a Docker engine runs the containers"));
    }

    /** Whether the class, a superclass or an enclosing class declares one of the shared servers' test resources. */
    static boolean takesSharedServersThroughQuarkus(Class<?> testClass) {
        for (Class<?> type = testClass; type != null && type != Object.class; type = type.getSuperclass()) {
            for (Annotation annotation : type.getDeclaredAnnotations()) {
                if (namesSharedServerResource(annotation)) {
                    return true;
                }
            }
        }
        Class<?> enclosing = testClass.getEnclosingClass();
        return enclosing != null && takesSharedServersThroughQuarkus(enclosing);
    }

    private static boolean namesSharedServerResource(Annotation annotation) {
        if (!RESOURCE_ANNOTATIONS.contains(annotation.annotationType().getName())) {
            return false;
        }
        Object value = value(annotation);
        if (value instanceof Annotation[] repeated) {
            for (Annotation one : repeated) {
                if (namesSharedServerResource(one)) {
                    return true;
                }
            }
            return false;
        }
        return value instanceof Class<?> resource && SHARED_SERVER_RESOURCES.contains(resource.getName());
    }

    private static Object value(Annotation annotation) {
        try {
            return annotation.annotationType().getMethod("value").invoke(annotation);
        } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("Cannot read the value of " + annotation, e);
        }
    }
}
