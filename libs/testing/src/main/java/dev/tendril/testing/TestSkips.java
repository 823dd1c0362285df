package dev.tendril.testing;

import java.util.HashSet;
import java.util.Set;
import org.opentest4j.TestAbortedException;

/**
 * Skips that say why on the console: Surefire prints only counts for skipped tests, and a profile that skips
 * silently looks like one that passed.
 */
final class TestSkips {

    /** How every skip of the profile begins, so {@link SkippedTestTeardown} knows them. */
    static final String PREFIX = "testcontainers profile: ";

    private static final Set<String> PRINTED = new HashSet<>();

    private TestSkips() {}

    /** The exception that makes JUnit report the test as skipped, after printing {@code reason} once per JVM. */
    static TestAbortedException skip(String reason) {
        print(reason);
        return new TestAbortedException(reason);
    }

    /** Whether {@code failure} is one of these skips (compared by message: Quarkus may load this class again). */
    static boolean isSkip(Throwable failure) {
        return failure instanceof TestAbortedException
                && failure.getMessage() != null
                && failure.getMessage().startsWith(PREFIX);
    }

    static void print(String reason) {
        synchronized (PRINTED) {
            if (PRINTED.add(reason)) {
                System.out.println("[tendril] " + reason);
            }
        }
    }
}
