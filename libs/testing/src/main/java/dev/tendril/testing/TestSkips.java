package dev.tendril.testing;

import java.util.HashSet;
import java.util.Set;
import org.opentest4j.TestAbortedException;

/**
 * Skips that say why on the console: Surefire prints only counts for skipped tests, and a profile that skips
 * silently looks like one that passed.
 */
final class TestSkips {

    private static final Set<String> PRINTED = new HashSet<>();

    private TestSkips() {}

    /** The exception that makes JUnit report the test as skipped, after printing {@code reason} once per JVM. */
    static TestAbortedException skip(String reason) {
        print(reason);
        return new TestAbortedException(reason);
    }

    static void print(String reason) {
        synchronized (PRINTED) {
            if (PRINTED.add(reason)) {
                System.out.println("[tendril] " + reason);
            }
        }
    }
}
