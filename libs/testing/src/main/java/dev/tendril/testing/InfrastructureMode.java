package dev.tendril.testing;

import java.util.Locale;

/**
 * Which Kafka and PostgreSQL the tests get from {@link SharedInfrastructure}: the one switch behind {@code ./mvnw
 * verify -Ptestcontainers}, read from system property {@value #PROPERTY} (the profile sets it through Surefire). The
 * test classes are the same either way; only the servers behind {@link KafkaBroker} and {@link PostgresServer} change.
 */
enum InfrastructureMode {
    /** A KRaft broker inside the test JVM and zonky's embedded PostgreSQL: the default, and what CI runs. */
    EMBEDDED,
    /** Containers of the official {@code apache/kafka} and {@code postgres} images, started by Testcontainers. */
    CONTAINERS;

    static final String PROPERTY = "tendril.test.infrastructure";

    static InfrastructureMode current() {
        return of(System.getProperty(PROPERTY));
    }

    /** Unset is {@link #EMBEDDED}; a value that is neither name stops the test run rather than guessing. */
    static InfrastructureMode of(String value) {
        if (value == null || value.isBlank()) {
            return EMBEDDED;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "embedded" -> EMBEDDED;
            case "containers" -> CONTAINERS;
            default -> throw new IllegalStateException(PROPERTY + "=" + value + ": expected embedded or containers");
        };
    }

    /**
     * Skips the calling test under {@link #CONTAINERS}: it asked for a server of its own ({@code server}), which only
     * the in-process implementations offer, and a run against containers must not pass on in-process servers unseen.
     */
    static void refuseInProcessServer(String server) {
        if (current() == CONTAINERS) {
            throw TestSkips.skip(TestSkips.PREFIX + server
                    + " starts an in-process server, which this profile does not run (the shared servers are"
                    + " containers): test skipped");
        }
    }
}
