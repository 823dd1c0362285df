package dev.tendril.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One Kafka broker and one PostgreSQL server per JVM, started on first use and stopped when the JVM
 * exits. All test classes of a module run in one Surefire JVM, so they share these instead of paying
 * for a start each; tests keep out of each other's way with their own topic and database names.
 *
 * <p>The servers are JVM-wide even under Quarkus, which loads this class anew on every application
 * restart: see {@link SystemClassLoaderOwner}.
 *
 * <p>By default they run embedded (a KRaft broker in this JVM, zonky's PostgreSQL as a child process); under the
 * {@code testcontainers} profile ({@link InfrastructureMode#CONTAINERS}) they are containers of the official images,
 * and without a Docker engine a test asking for one is skipped, saying why.
 */
public final class SharedInfrastructure {

    // Null when this copy of the class owns the servers; otherwise the copy that does.
    private static final Class<?> OWNER = SystemClassLoaderOwner.ownerOf(SharedInfrastructure.class);

    // Separate locks so a test needing only PostgreSQL never waits for Kafka to start, and vice versa.
    private static final Object KAFKA_LOCK = new Object();
    private static final Object POSTGRES_LOCK = new Object();

    private static KafkaBroker kafka;
    private static PostgresServer postgres;

    private SharedInfrastructure() {}

    /**
     * The JVM's broker, started in a temporary directory on first call. If a test stopped it to simulate
     * an outage and left it down, it is restarted here so later tests do not inherit the outage.
     */
    public static KafkaBroker kafka() {
        synchronized (KAFKA_LOCK) {
            if (OWNER != null) {
                // Called every time rather than cached: the owner's call restarts a stopped broker.
                Object owned = SystemClassLoaderOwner.callStatic(OWNER, "kafka");
                if (kafka == null) {
                    kafka = SystemClassLoaderOwner.borrow(KafkaBroker.class, owned);
                }
            } else if (kafka == null) {
                kafka = switch (InfrastructureMode.current()) {
                    case EMBEDDED -> startKafka();
                    case CONTAINERS -> ContainerInfrastructure.kafka();
                };
            } else if (!kafka.isRunning()) {
                kafka.restart();
            }
            return kafka;
        }
    }

    /** The JVM's PostgreSQL server with a temporary cluster, started on first call. */
    public static PostgresServer postgres() {
        synchronized (POSTGRES_LOCK) {
            if (postgres == null) {
                postgres = OWNER != null
                        ? SystemClassLoaderOwner.borrow(
                                PostgresServer.class, SystemClassLoaderOwner.callStatic(OWNER, "postgres"))
                        : switch (InfrastructureMode.current()) {
                            case EMBEDDED -> startPostgres();
                            case CONTAINERS -> ContainerInfrastructure.postgres();
                        };
            }
            return postgres;
        }
    }

    private static KafkaBroker startKafka() {
        Path dataDir = createTempDirectory("tendril-kafka-");
        KafkaBroker broker;
        try {
            broker = KafkaBroker.start(dataDir, 0);
        } catch (RuntimeException | Error e) {
            try {
                deleteRecursively(dataDir);
            } catch (UncheckedIOException cleanupFailure) {
                // The start failure is what the test author needs to see, not a leftover directory.
                e.addSuppressed(cleanupFailure);
            }
            throw e;
        }
        onShutdown("tendril-kafka-shutdown", () -> {
            broker.stop();
            deleteRecursively(dataDir);
        });
        return broker;
    }

    private static PostgresServer startPostgres() {
        var server = PostgresServer.start(null, 0);
        onShutdown("tendril-postgres-shutdown", server::stop);
        return server;
    }

    private static void onShutdown(String name, Runnable action) {
        Runtime.getRuntime().addShutdownHook(new Thread(action, name));
    }

    private static Path createTempDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary directory", e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + root, e);
        }
    }
}
