package dev.tendril.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

class SkippedTestTeardownTest {

    private final SkippedTestTeardown handler = new SkippedTestTeardown();
    private final NullPointerException teardownFailure = new NullPointerException("topics is null");

    @Test
    void dropsTheTeardownFailureOfATestSkippedForWantOfAServer() {
        // What TestSkips.skip throws, made here so the default build's output does not show the profile's message.
        var skipped = contextAfter(new TestAbortedException(DockerEngine.reason(null, false)));

        assertThatCode(() -> handler.handleAfterEachMethodExecutionException(skipped, teardownFailure))
                .doesNotThrowAnyException();
        assertThatCode(() -> handler.handleAfterAllMethodExecutionException(skipped, teardownFailure))
                .doesNotThrowAnyException();
    }

    @Test
    void reportsTheTeardownFailureOfATestThatRanOrFailed() {
        assertThatThrownBy(() -> handler.handleAfterEachMethodExecutionException(contextAfter(null), teardownFailure))
                .isSameAs(teardownFailure);
        assertThatThrownBy(() -> handler.handleAfterEachMethodExecutionException(
                        contextAfter(new AssertionError("expected 3")), teardownFailure))
                .isSameAs(teardownFailure);
    }

    @Test
    void reportsTheTeardownFailureOfATestSkippedForAnotherReason() {
        var assumption = contextAfter(new TestAbortedException("Assumption failed: not root"));

        assertThatThrownBy(() -> handler.handleAfterAllMethodExecutionException(assumption, teardownFailure))
                .isSameAs(teardownFailure);
    }

    private static ExtensionContext contextAfter(Throwable executionException) {
        return (ExtensionContext) Proxy.newProxyInstance(
                ExtensionContext.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getExecutionException" -> Optional.ofNullable(executionException);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
