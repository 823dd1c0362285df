package dev.tendril.deploy;

import dev.tendril.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The PostgreSQL keeper the launcher starts and supervises: starts the embedded PostgreSQL (which daemonizes its
 * postmaster) on 127.0.0.1 with a password required for every login, creates the stack's database and one role per
 * service owning its schema ({@link DatabaseRoles}), writes each service's login where the service reads it
 * ({@link StackSecrets}), and lives exactly as long as the postmaster, so that a crashed database is a crashed process
 * to the supervisor. SIGTERM stops PostgreSQL. Arguments: {@code DATA_DIR PORT}.
 */
public final class PostgresProcess {

    private static final Duration LEFTOVER_GRACE = Duration.ofSeconds(10);

    private PostgresProcess() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: PostgresProcess DATA_DIR PORT");
            System.exit(2);
        }
        DataDir dataDir = new DataDir(Path.of(args[0]));
        int port = Integer.parseInt(args[1]);
        // A keeper killed with SIGKILL leaves its postmaster running on the port: this one replaces it.
        dataDir.postmaster().ifPresent(left -> {
            System.out.println("Stopping the postmaster a previous keeper left running (pid " + left.pid() + ")");
            ProcessReaper.stop(List.of(left), LEFTOVER_GRACE);
        });
        StackSecrets secrets = StackSecrets.of(dataDir);
        Path cluster = dataDir.resolve(DataDir.POSTGRES);
        Optional<String> older = olderCluster(dataDir);
        if (older.isPresent()) {
            System.err.println("PostgreSQL was not started: " + older.get());
            System.exit(1);
            return;
        }
        PostgresServer server;
        try {
            server = PostgresServer.startSecured(cluster, port, secrets.password(StackSecrets.SUPERUSER));
            server.createDatabaseIfMissing(StackConfig.DATABASE);
            setUpRoles(server, secrets);
        } catch (RuntimeException | SQLException e) {
            System.err.println("PostgreSQL did not start on port " + port + ": " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        Optional<ProcessHandle> postmaster = dataDir.postmaster();
        Thread stopper = new Thread(
                () -> {
                    System.out.println("Stopping PostgreSQL on port " + port);
                    try {
                        server.close();
                    } catch (RuntimeException e) {
                        System.err.println("Error while stopping PostgreSQL: " + e);
                    }
                },
                "postgres-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        System.out.println("PostgreSQL is ready on 127.0.0.1:" + port + ", database " + StackConfig.DATABASE
                + postmaster.map(p -> " (postmaster pid " + p.pid() + ")").orElse(""));
        if (postmaster.isEmpty()) {
            System.err.println("PostgreSQL started but its postmaster.pid names no running postmaster");
            System.exit(1);
        }
        postmaster.get().onExit().join();
        System.err.println("The postmaster (pid " + postmaster.get().pid() + ") exited");
        try {
            Runtime.getRuntime().removeShutdownHook(stopper);
        } catch (IllegalStateException stopping) {
            // SIGTERM stopped the postmaster: the JVM is already on its way out.
            return;
        }
        System.exit(1);
    }

    /** Every service's role, its password, its schema and the file its service reads the login from. */
    private static void setUpRoles(PostgresServer server, StackSecrets secrets) throws SQLException {
        try (Connection superuser = server.dataSource(StackConfig.DATABASE).getConnection()) {
            for (String service : StackConfig.SERVICES) {
                if (DatabaseRoles.ownedByAnother(superuser, service)) {
                    throw new IllegalStateException("schema " + service + " in " + server.dataDir()
                            + " belongs to another role than " + StackSecrets.role(service) + ": "
                            + olderClusterMessage(server.dataDir()));
                }
            }
            DatabaseRoles.lockDown(superuser, StackConfig.DATABASE);
            for (String service : StackConfig.SERVICES) {
                String password = secrets.password(StackSecrets.role(service));
                DatabaseRoles.ensure(superuser, StackConfig.DATABASE, service, password);
                secrets.writeDatasourceProperties(service, password);
            }
        }
    }

    /**
     * Why the data directory's cluster cannot be started: it exists but has no superuser password, so an older
     * launcher made it (trust authentication, every service as postgres); empty when it can.
     */
    static Optional<String> olderCluster(DataDir dataDir) {
        Path cluster = dataDir.resolve(DataDir.POSTGRES);
        boolean exists = Files.exists(cluster.resolve("data").resolve("PG_VERSION"));
        boolean secured = StackSecrets.of(dataDir)
                .existingPassword(StackSecrets.SUPERUSER)
                .isPresent();
        return exists && !secured ? Optional.of(olderClusterMessage(cluster)) : Optional.empty();
    }

    static String olderClusterMessage(Path cluster) {
        return "the PostgreSQL data in " + cluster + " was made by an older Tendril, whose database had no passwords "
                + "and one user for every service. Start afresh with './tendril up --fresh' (this deletes the stack's "
                + "events, policies and flows), or keep running the older Tendril on it.";
    }

    /**
     * True once the last service's role can log in to the stack's database: the keeper makes the roles after the
     * database, so the services that start next find theirs.
     */
    static boolean acceptsLogins(DataDir dataDir, int port) {
        String role = StackSecrets.role(StackConfig.SERVICES.getLast());
        Optional<String> password = StackSecrets.of(dataDir).existingPassword(role);
        if (password.isEmpty()) {
            return false;
        }
        DriverManager.setLoginTimeout(2);
        try (Connection ignored = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/" + StackConfig.DATABASE, role, password.get())) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }
}
