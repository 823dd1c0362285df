package dev.tendril.testing;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/** PostgreSQL started and stopped through zonky's {@link EmbeddedPostgres}. */
final class EmbeddedPostgresServer implements PostgresServer {

    private static final String HOST = "127.0.0.1";
    private static final String SUPERUSER = "postgres";
    // Trust authentication accepts any password; clients that insist on one (Quarkus) get this.
    private static final String TRUST_PASSWORD = "postgres";
    /**
     * Every connection, local socket or TCP, proves its password (SCRAM); TCP only from this host, which is also
     * the only address the server listens on.
     */
    static final String PASSWORD_HBA = """
            # Written by Tendril at every start: a password (SCRAM) for every connection.
            local all all scram-sha-256
            host all all 127.0.0.1/32 scram-sha-256
            host all all ::1/128 scram-sha-256
            """;

    // Zonky waits this long even when the postmaster died at once, so generous but not unbounded.
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

    private final EmbeddedPostgres postgres;
    private final Path dataDir;
    private final String password;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDir, String password) {
        this.postgres = postgres;
        this.dataDir = dataDir;
        this.password = password;
    }

    static EmbeddedPostgresServer start(Path dataDir, int port) {
        return start(dataDir, port, null);
    }

    /**
     * With a superuser password, every login needs a password: a new cluster gets it at initdb, an existing one
     * must already have it (else nobody can log in and the start times out).
     */
    static EmbeddedPostgresServer start(Path dataDir, int port, String superuserPassword) {
        var builder = EmbeddedPostgres.builder()
                .setPort(FreePorts.orPick(port))
                .setPGStartupWait(STARTUP_TIMEOUT)
                // Nothing but this host can connect (zonky reaches it as localhost, which is 127.0.0.1 for Java).
                .setServerConfig("listen_addresses", HOST);
        Path absolute = dataDir == null ? null : dataDir.toAbsolutePath();
        if (absolute != null) {
            Path binaries = absolute.resolve("binaries");
            createDirectories(binaries);
            builder.setDataDirectory(absolute.resolve("data"))
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(binaries.toFile())
                    // Zonky turns both off for speed (it starts postgres with -F); a persistent cluster
                    // (the local stack, benchmarks) must not lose acknowledged commits when the machine
                    // crashes. A later -c wins over -F.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .setPgBinaryResolver(new DirectoryScopedBinaries(binaries));
        }
        Path passwordFile = null;
        try {
            if (superuserPassword != null) {
                passwordFile = Files.createTempFile(
                        absolute == null ? null : absolute,
                        ".initdb",
                        ".pw",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(passwordFile, superuserPassword + "\n");
                builder.setLocaleConfig("pwfile", passwordFile.toString())
                        .setConnectConfig("password", superuserPassword)
                        .setServerConfig("password_encryption", "scram-sha-256")
                        .setDataDirectoryCustomizer(data -> writeHba(data.toPath()));
            }
            return new EmbeddedPostgresServer(
                    builder.start(), absolute, superuserPassword == null ? TRUST_PASSWORD : superuserPassword);
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start" + (absolute == null ? "" : " in " + absolute), e);
        } finally {
            deleteQuietly(passwordFile);
        }
    }

    private static void writeHba(Path data) {
        try {
            Files.writeString(data.resolve("pg_hba.conf"), PASSWORD_HBA);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + data.resolve("pg_hba.conf"), e);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + file, e);
        }
    }

    @Override
    public int port() {
        return postgres.getPort();
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public String host() {
        return HOST;
    }

    @Override
    public String username() {
        return SUPERUSER;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public void stop() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL on port " + port() + " did not stop cleanly", e);
        }
    }

    @Override
    public String toString() {
        return "PostgresServer[" + HOST + ":" + port() + (dataDir == null ? ", temporary" : ", " + dataDir) + "]";
    }

    private static void createDirectories(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + directory, e);
        }
    }

    /**
     * Zonky caches unpacked binaries per resolver for the whole JVM and ignores the working directory
     * once something is cached. One resolver per directory keeps each persistent server on binaries
     * inside its own directory, instead of on another server's copy that may be deleted under it.
     */
    private record DirectoryScopedBinaries(Path directory) implements PgBinaryResolver {
        @Override
        public InputStream getPgBinary(String system, String machineHardware) throws IOException {
            return DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware);
        }
    }
}
