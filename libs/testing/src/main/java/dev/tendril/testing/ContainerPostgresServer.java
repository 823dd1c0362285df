package dev.tendril.testing;

import java.nio.file.Path;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** The shared PostgreSQL as a container of the official {@code postgres} image; throw-away, as the embedded one. */
final class ContainerPostgresServer implements PostgresServer {

    private static final String SUPERUSER = "postgres";
    /** The embedded server's password too, so a test that prints or passes it sees the same value. */
    private static final String PASSWORD = "postgres";
    /** The database every cluster has; new databases are created from a connection to it. */
    private static final String MAINTENANCE_DATABASE = "postgres";

    private final PostgreSQLContainer container;

    private ContainerPostgresServer(PostgreSQLContainer container) {
        this.container = container;
    }

    static ContainerPostgresServer start(String image) {
        var container = new PostgreSQLContainer(DockerImageName.parse(image))
                .withUsername(SUPERUSER)
                .withPassword(PASSWORD)
                .withDatabaseName(MAINTENANCE_DATABASE);
        // The settings zonky's embedded server starts with, so the same tests meet the same limits (300 connections:
        // every Quarkus test application and replica keeps pools of its own).
        container.setCommand(
                "postgres",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "max_connections=300",
                "-c",
                "timezone=UTC");
        container.start();
        return new ContainerPostgresServer(container);
    }

    @Override
    public int port() {
        return container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
    }

    /** Null: the cluster lives in the container and goes with it. */
    @Override
    public Path dataDir() {
        return null;
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public String username() {
        return SUPERUSER;
    }

    @Override
    public String password() {
        return PASSWORD;
    }

    /** Removes the container and the cluster in it. */
    @Override
    public void stop() {
        container.stop();
    }

    @Override
    public String toString() {
        return "PostgresServer[" + container.getHost() + ":" + port() + ", container " + container.getDockerImageName()
                + "]";
    }
}
