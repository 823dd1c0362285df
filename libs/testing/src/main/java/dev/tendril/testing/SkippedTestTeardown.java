package dev.tendril.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;

/**
 * Under the {@code testcontainers} profile, a test skipped because it got no server (no Docker engine, or it wanted an
 * in-process one) still runs its {@code @AfterEach} and {@code @AfterAll} methods, which close what the skipped set-up
 * never made. Their failure only echoes the skip, so it is dropped; any other teardown failure is reported as always.
 * Found, like {@link DockerEngineCondition}, only when the profile turns on extension auto-detection.
 */
public final class SkippedTestTeardown implements LifecycleMethodExecutionExceptionHandler {

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        rethrowUnlessSkipped(context, throwable);
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        rethrowUnlessSkipped(context, throwable);
    }

    private static void rethrowUnlessSkipped(ExtensionContext context, Throwable throwable) throws Throwable {
        boolean skipped =
                context.getExecutionException().filter(TestSkips::isSkip).isPresent();
        if (!skipped) {
            throw throwable;
        }
    }
}
