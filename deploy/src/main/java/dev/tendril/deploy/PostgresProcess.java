package dev.tendril.deploy;

import dev.tendril.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The PostgreSQL keeper the launcher starts and supervises: starts the embedded PostgreSQL (which daemonizes its
 * postmaster), creates the stack's database, and lives exactly as long as the postmaster, so that a crashed database
 * is a crashed process to the supervisor. SIGTERM stops PostgreSQL. Arguments: {@code DATA_DIR PORT}.
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
        PostgresServer server;
        try {
            server = PostgresServer.start(dataDir.resolve(DataDir.POSTGRES), port);
            server.createDatabaseIfMissing(StackConfig.DATABASE);
        } catch (RuntimeException e) {
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

    /** True once the stack's database accepts a login (the keeper creates it after the server accepts connections). */
    static boolean acceptsLogins(int port) {
        DriverManager.setLoginTimeout(2);
        try (Connection ignored = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/" + StackConfig.DATABASE, "postgres", "postgres")) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }
}
