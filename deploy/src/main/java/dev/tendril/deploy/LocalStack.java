package dev.tendril.deploy;

import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFile;
import dev.tendril.cli.status.ComponentHealth;
import dev.tendril.cli.status.HealthProbe;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.PostgresServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import sun.misc.Signal;

/**
 * One run of the local stack: starts PostgreSQL, Kafka, the services and the agents, waits until all are ready,
 * and on SIGINT/SIGTERM stops them in reverse order (children, then Kafka, then PostgreSQL).
 */
final class LocalStack {

    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
    private static final int LOG_TAIL_LINES = 40;

    private final StackConfig config;
    private final DataDir dataDir;
    private final PrintStream out;
    private final PrintStream err;
    private final long startNanos = System.nanoTime();
    private final String startedAt = Instant.now().toString();
    private final HealthProbe probe = new HealthProbe();

    // Start steps and stop() run under this lock, so a signal during start-up stops exactly what has started.
    private final Object lock = new Object();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private boolean claimed;
    private PostgresServer postgres;
    private KafkaBroker kafka;
    private final List<ChildProcess> children = new ArrayList<>();

    LocalStack(StackConfig config, PrintStream out, PrintStream err) {
        this.config = config;
        this.dataDir = new DataDir(config.dataDir());
        this.out = out;
        this.err = err;
    }

    /**
     * Handles SIGINT and SIGTERM itself rather than through shutdown hooks, which the JVM runs concurrently:
     * embedded PostgreSQL's own hook would stop the database while the services still use it. The shutdown hook
     * remains for every other way the JVM may end.
     */
    void installSignalHandlers() {
        for (String name : List.of("INT", "TERM")) {
            Signal.handle(new Signal(name), signal -> {
                out.println();
                out.println("SIG" + name + " received: stopping Tendril...");
                stop();
            });
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "tendril-stop"));
    }

    /** Starts everything, then blocks until stopped; returns the process exit code. */
    int run() {
        try {
            start();
        } catch (RuntimeException e) {
            if (stopping) {
                awaitStopped();
                return 0;
            }
            err.println();
            err.println("Error: " + (e instanceof StartupFailure ? e.getMessage() : e.toString()));
            stop();
            return 1;
        }
        awaitStopped();
        return 0;
    }

    private void start() {
        out.println("Tendril local stack: data in " + config.dataDir() + ", jars from " + config.repo());
        step(() -> {
            dataDir.claim(out, config.fresh());
            claimed = true;
            return null;
        });
        Path logs = config.logsDir();
        EmbeddedLogging.routeTo(logs.resolve("kafka.log"), logs.resolve("postgres.log"));

        List<ComponentSpec> specs = runnable(config.components());
        checkPortsFree(specs);
        Set<Integer> reserved = new HashSet<>(specs.stream().map(ComponentSpec::port).toList());
        int postgresPort = Ports.preferredOrNextFree(config.postgresPort(), reserved);
        reserved.add(postgresPort);
        int kafkaPort = Ports.preferredOrNextFree(config.kafkaPort(), reserved);
        step(() -> startInfrastructure(postgresPort, kafkaPort));

        for (ComponentSpec spec : specs) {
            ChildProcess child = step(() -> {
                ChildProcess started = ChildProcess.start(spec, systemProperties(spec, specs), config.dataDir(),
                        logs.resolve(spec.name() + ".log"));
                children.add(started);
                return started;
            });
            out.printf("%-10s starting on %s (pid %d)%n", spec.name(), spec.url(), child.pid());
        }
        writeStackFile(false);
        awaitReady();
        writeStackFile(true);
        printTable();
        out.println("Tendril is ready.");
        String dir = config.dataDirOption();
        out.printf("Started in %s. Stop it with Ctrl-C or './tendril down%s'; check it with './tendril status%s'.%n",
                elapsed(), dir, dir);
        warnWhenAChildExits();
    }

    /** Stops whatever runs, children first; safe to call more than once and from several threads. */
    void stop() {
        stopping = true;
        synchronized (lock) {
            if (stopped.getCount() == 0) {
                return;
            }
            if (!claimed) {
                // Nothing was started: another launcher owns the data directory, or start-up failed before.
                stopped.countDown();
                return;
            }
            try {
                if (!children.isEmpty()) {
                    out.println("Stopping " + names(children) + " (up to " + STOP_GRACE.toSeconds()
                            + " s before they are killed)...");
                    List<ProcessHandle> handles = children.stream().map(c -> c.process().toHandle()).toList();
                    int[] killed = {0};
                    if (attempt("stopping the services and agents",
                            () -> killed[0] = ProcessReaper.stop(handles, STOP_GRACE))) {
                        out.println("Stopped " + names(children)
                                + (killed[0] > 0 ? " (" + killed[0] + " killed forcibly)" : ""));
                    }
                }
                if (kafka != null && attempt("stopping Kafka", kafka::close)) {
                    out.println("Stopped Kafka");
                }
                if (postgres != null && attempt("stopping PostgreSQL", postgres::close)) {
                    out.println("Stopped PostgreSQL");
                }
                attempt("removing launcher.pid", dataDir::release);
                out.println("Tendril stopped.");
                out.flush();
            } finally {
                stopped.countDown();
            }
        }
    }

    private <T> T step(Supplier<T> action) {
        synchronized (lock) {
            if (stopping) {
                throw new StartupFailure("stopped during start-up");
            }
            return action.get();
        }
    }

    /** Runs one stop step; says why and returns false when it failed, so the next step still runs. */
    private boolean attempt(String what, Runnable action) {
        try {
            action.run();
            return true;
        } catch (RuntimeException | LinkageError e) {
            err.println("Error while " + what + ": " + e);
            return false;
        }
    }

    private List<ComponentSpec> runnable(List<ComponentSpec> specs) {
        List<ComponentSpec> runnable = new ArrayList<>();
        for (ComponentSpec spec : specs) {
            if (Files.isRegularFile(spec.jar())) {
                runnable.add(spec);
            } else {
                out.printf("%-10s skipped: %s is not built (./mvnw -B -DskipTests install)%n", spec.name(), spec.jar());
            }
        }
        return runnable;
    }

    private void checkPortsFree(List<ComponentSpec> specs) {
        List<String> taken = specs.stream().filter(spec -> !Ports.isFree(spec.port()))
                .map(spec -> spec.name() + " " + spec.port()).toList();
        if (!taken.isEmpty()) {
            throw new StartupFailure("ports already in use: " + String.join(", ", taken)
                    + ". Is another stack running? Stop it ('./tendril down" + config.dataDirOption() + "') or shift the ports with --port-offset.");
        }
    }

    /**
     * Starts PostgreSQL and Kafka side by side (they do not need each other); when one fails, waits for the other
     * so that stop() finds and stops it.
     */
    private Void startInfrastructure(int postgresPort, int kafkaPort) {
        CompletableFuture<KafkaBroker> kafkaStarting = CompletableFuture.supplyAsync(() -> startKafka(kafkaPort));
        RuntimeException failure = null;
        try {
            postgres = startPostgres(postgresPort);
            out.printf("%-10s ready on 127.0.0.1:%d, database %s (%s)%n", "postgres", postgres.port(),
                    StackConfig.DATABASE, elapsed());
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            kafka = kafkaStarting.join();
            out.printf("%-10s ready on %s (%s)%n", "kafka", bootstrapServers(), elapsed());
        } catch (CompletionException e) {
            if (failure == null) {
                failure = e.getCause() instanceof RuntimeException cause ? cause : e;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return null;
    }

    private PostgresServer startPostgres(int port) {
        try {
            PostgresServer server = PostgresServer.start(dataDir.resolve(DataDir.POSTGRES), port);
            server.createDatabaseIfMissing(StackConfig.DATABASE);
            return server;
        } catch (RuntimeException e) {
            throw new StartupFailure("PostgreSQL did not start on port " + port + ": " + e.getMessage()
                    + tail(config.logsDir().resolve("postgres.log")), e);
        }
    }

    private KafkaBroker startKafka(int port) {
        try {
            return KafkaBroker.start(dataDir.resolve(DataDir.KAFKA), port);
        } catch (RuntimeException e) {
            throw new StartupFailure("Kafka did not start on port " + port + ": " + e.getMessage()
                    + tail(config.logsDir().resolve("kafka.log")), e);
        }
    }

    private Map<String, String> systemProperties(ComponentSpec spec, List<ComponentSpec> all) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("quarkus.http.port", Integer.toString(spec.port()));
        if (spec.kind() == Kind.SERVICE) {
            properties.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl(StackConfig.DATABASE));
            properties.put("quarkus.datasource.username", postgres.username());
            properties.put("quarkus.datasource.password", postgres.password());
            if (spec.name().equals("policy")) {
                properties.putAll(policyServiceLinks(all));
            }
        } else {
            properties.put("tendril.agent.node-name", spec.nodeName());
            // The agent registers its node with IPAM and calls it and the identity service for its endpoint API.
            int offset = config.portOffset();
            properties.put("tendril.agent.identity-url", "localhost:" + (StackConfig.FIRST_SERVICE_PORT + offset));
            properties.put("tendril.agent.ipam-url", "localhost:" + (StackConfig.FIRST_SERVICE_PORT + 1 + offset));
            // Distinct loopback addresses, so that the nodes' ipcache entries do not collide.
            properties.put("tendril.agent.node-ips", "127.0.0." + (10 + Integer.parseInt(spec.nodeName().substring("node-".length()))));
            properties.put("tendril.agent.state-dir", dataDir.resolve(DataDir.AGENTS).toString());
            // Pins per agent port: a second stack (other ports) beside this one never shares a node's maps.
            properties.put("tendril.agent.bpffs-dir", "/sys/fs/bpf/tendril/port-" + spec.port());
            // Every agent listens on its own port here, so the default peer address (node IP, own port) would miss.
            properties.putAll(agentPeers(all));
        }
        properties.put("kafka.bootstrap.servers", bootstrapServers());
        return properties;
    }

    /** The policy service allocates CIDR peers' identities at the identity service, wherever the offset put it. */
    static Map<String, String> policyServiceLinks(List<ComponentSpec> specs) {
        Map<String, String> links = new LinkedHashMap<>();
        specs.stream().filter(s -> s.name().equals("identity")).findFirst()
                .ifPresent(identity -> links.put("tendril.policy.identity-url", identity.url()));
        return links;
    }

    /** {@code tendril.agent.peers."<node>"} = the agent's URL, for every agent of the stack (probes ask each other). */
    static Map<String, String> agentPeers(List<ComponentSpec> specs) {
        Map<String, String> peers = new LinkedHashMap<>();
        for (ComponentSpec s : specs) {
            if (s.kind() == Kind.AGENT) {
                peers.put("tendril.agent.peers.\"" + s.nodeName() + "\"", s.url());
            }
        }
        return peers;
    }

    private String bootstrapServers() {
        return "127.0.0.1:" + kafka.port();
    }

    /** Polls every child's readiness endpoint until all are UP; fails at the first child that exits or at the timeout. */
    private void awaitReady() {
        if (children.isEmpty()) {
            return;
        }
        out.printf("Waiting up to %d s for %s to be ready...%n", config.readyTimeout().toSeconds(), names(children));
        long deadline = System.nanoTime() + config.readyTimeout().toNanos();
        Set<ChildProcess> pending = new LinkedHashSet<>(children);
        Map<ChildProcess, String> lastCheck = new HashMap<>();
        while (!pending.isEmpty()) {
            if (stopping) {
                throw new StartupFailure("stopped during start-up");
            }
            for (ChildProcess child : pending) {
                if (!child.process().isAlive()) {
                    throw failure(List.of(child), child.name() + " exited with code " + child.process().exitValue()
                            + " before it was ready", Map.of());
                }
            }
            List<ChildProcess> polled = List.copyOf(pending);
            List<ComponentHealth> results = probe.checkAll(polled.stream().map(this::component).toList());
            for (int i = 0; i < polled.size(); i++) {
                if (results.get(i).ok()) {
                    pending.remove(polled.get(i));
                    out.printf("%-10s ready (%s)%n", polled.get(i).name(), elapsed());
                } else {
                    lastCheck.put(polled.get(i), results.get(i).detail());
                }
            }
            if (!pending.isEmpty() && System.nanoTime() > deadline) {
                throw failure(List.copyOf(pending), names(pending) + " did not become ready within "
                        + config.readyTimeout().toSeconds() + " s", lastCheck);
            }
            sleep(POLL_INTERVAL);
        }
    }

    private StartupFailure failure(List<ChildProcess> failed, String summary, Map<ChildProcess, String> lastCheck) {
        StringBuilder message = new StringBuilder(summary);
        for (ChildProcess child : failed) {
            message.append(System.lineSeparator()).append(System.lineSeparator())
                    .append(child.name()).append(" (pid ").append(child.pid()).append(")");
            if (lastCheck.containsKey(child)) {
                message.append(", last health check: ").append(lastCheck.get(child));
            }
            message.append(tail(child.log()));
        }
        return new StartupFailure(message.toString());
    }

    private String tail(Path log) {
        List<String> lines;
        try {
            lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (java.io.IOException e) {
            return System.lineSeparator() + "(cannot read " + display(log) + ": " + e.getMessage() + ")";
        }
        StringBuilder text = new StringBuilder(System.lineSeparator()).append("last lines of ").append(display(log))
                .append(':');
        for (String line : lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())) {
            text.append(System.lineSeparator()).append("  | ").append(line);
        }
        return text.toString();
    }

    private void warnWhenAChildExits() {
        for (ChildProcess child : children) {
            child.process().onExit().thenAccept(process -> {
                if (!stopping) {
                    err.printf("Warning: %s (pid %d) exited with code %d; see %s%n", child.name(), child.pid(),
                            process.exitValue(), display(child.log()));
                }
            });
        }
    }

    private List<Component> components() {
        Path logs = config.logsDir();
        List<Component> components = new ArrayList<>();
        components.add(new Component("postgres", Kind.POSTGRES, postgres.port(),
                postgres.jdbcUrl(StackConfig.DATABASE), dataDir.postmaster().map(ProcessHandle::pid).orElse(null),
                logs.resolve("postgres.log").toString()));
        components.add(new Component("kafka", Kind.KAFKA, kafka.port(), bootstrapServers(),
                ProcessHandle.current().pid(), logs.resolve("kafka.log").toString()));
        children.forEach(child -> components.add(component(child)));
        return components;
    }

    private Component component(ChildProcess child) {
        ComponentSpec spec = child.spec();
        return new Component(spec.name(), spec.kind(), spec.port(), spec.url(), child.pid(), child.log().toString(),
                spec.nodeName());
    }

    private void writeStackFile(boolean ready) {
        synchronized (lock) {
            new StackFile(ProcessHandle.current().pid(), config.dataDir().toString(), startedAt, ready, components())
                    .write(config.dataDir());
        }
    }

    private void printTable() {
        List<Component> components = components();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"COMPONENT", "KIND", "ADDRESS", "PID", "LOG"});
        for (Component c : components) {
            rows.add(new String[] {c.name(), c.kind().json(), c.url(), c.pid() == null ? "-" : c.pid().toString(),
                    display(Path.of(c.log()))});
        }
        int[] widths = new int[5];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        out.println();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        out.println();
    }

    private static String names(Collection<ChildProcess> processes) {
        return String.join(", ", processes.stream().map(ChildProcess::name).toList());
    }

    private String elapsed() {
        return String.format("%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }

    private static String display(Path path) {
        Path cwd = Path.of("").toAbsolutePath();
        return path.startsWith(cwd) ? cwd.relativize(path).toString() : path.toString();
    }

    private void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupFailure("interrupted while waiting for the stack to be ready");
        }
    }
}
