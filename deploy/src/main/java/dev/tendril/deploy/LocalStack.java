package dev.tendril.deploy;

import dev.tendril.cli.restart.SupervisorFile;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFile;
import dev.tendril.cli.status.HealthProbe;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import sun.misc.Signal;

/**
 * One run of the local stack: starts PostgreSQL, Kafka, the services and the agents, each as a child process under
 * the {@link Supervisor}, waits until all are ready, then restarts whichever crashes; on SIGINT/SIGTERM stops them in
 * reverse order (services and agents, then Kafka, then PostgreSQL) and restarts nothing. Stopping leaves the agents'
 * kernel pod network in place ({@code ./tendril down} removes it after the launcher exited).
 */
final class LocalStack {

    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final String KEEPER_HEAP =
            "-Xmx256m"; // unpacking the PostgreSQL binaries (xz) on a first run needs it
    // Kafka and zonky log through SLF4J onto java.util.logging's console handler, into the child's log file.
    private static final String LOG_FORMAT =
            "-Djava.util.logging.SimpleFormatter.format=%1$tF %1$tT.%1$tL %4$-7s [%3$s] %5$s%6$s%n";

    private final StackConfig config;
    private final DataDir dataDir;
    private final PrintStream out;
    private final PrintStream err;
    private final long startNanos = System.nanoTime();
    private final String startedAt = Instant.now().toString();
    private final StackPki pki;
    // Made once the credentials exist: the launcher checks readiness as the admin, as the CLI does.
    private volatile HealthProbe probe;
    private final BpfFilesystem bpffs = BpfFilesystem.system(BpfFilesystem.PINS);
    private final FabricTeardown fabric;

    // Start steps and stop() run under this lock, so a signal during start-up stops exactly what has started.
    private final Object lock = new Object();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private boolean claimed;
    private Supervisor supervisor;
    private ControlServer control;
    private boolean ready;
    private int postgresPort;
    private final KafkaNodes kafka;
    private Supervised postgres;
    private final List<Supervised> children = new ArrayList<>();
    private ClusterMesh mesh;

    LocalStack(StackConfig config, PrintStream out, PrintStream err) {
        this.config = config;
        this.dataDir = new DataDir(config.dataDir());
        this.kafka = new KafkaNodes(config, dataDir);
        this.pki = StackPki.of(config);
        this.fabric = FabricTeardown.system(config.fabric());
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
        supervisor = new Supervisor(
                BackOff.DEFAULT, Clock.systemUTC(), config.dataDir(), out, this::healthy, this::writeFiles);

        List<ComponentSpec> specs = StartChecks.runnable(out, config.components());
        StartChecks.checkPortsFree(config, specs);
        step(() -> {
            pki.ensure(out, specs, Instant.now());
            probe = new HealthProbe(pki.admin());
            return null;
        });
        if (config.fresh()) {
            step(() -> {
                fabric.removeReporting(out, "the stale kernel pod network");
                return null;
            });
        }
        if (config.datapath() != Datapath.MODEL) {
            out.printf(
                    "%-10s %s: network namespaces %s_<node>[_<namespace>_<pod>]%n",
                    "datapath", config.datapath().property(), config.fabric().prefix());
        }
        // Only now: the free ports show that no other stack's agents use this stack's pin directories.
        List<Integer> agentPorts = specs.stream()
                .filter(s -> s.kind() == Kind.AGENT)
                .map(ComponentSpec::port)
                .toList();
        if (!agentPorts.isEmpty()) {
            step(() -> {
                bpffs.prepare(out, agentPorts, config.fresh());
                return null;
            });
        }
        Set<Integer> reserved =
                new HashSet<>(specs.stream().map(ComponentSpec::port).toList());
        postgresPort = Ports.preferredOrNextFree(config.postgresPort(), reserved);
        reserved.add(postgresPort);
        step(() -> {
            kafka.choosePorts(reserved);
            return null;
        });
        startInfrastructure(logs, specs);
        mesh = step(() -> ClusterMesh.restore(new ClusterMesh.Context(
                config,
                dataDir,
                supervisor,
                ChildProcess.launcherJvm(LOG_FORMAT),
                this::bootstrapServers,
                ComponentSpec.nodeNames(specs),
                out)));

        for (ComponentSpec spec : specs) {
            ChildProcess child = step(() -> {
                Supervised supervised = supervisor.add(
                        spec.component(logs),
                        () -> ChildProcess.quarkusArguments(
                                spec,
                                ChildProperties.withSecrets(
                                        spec, specs, config, dataDir, pki, jdbcUrl(), bootstrapServers())),
                        STOP_GRACE,
                        () -> {});
                children.add(supervised);
                return supervisor.start(supervised);
            });
            out.printf("%-10s starting on %s (pid %d)%n", spec.name(), spec.url(), child.pid());
        }
        readiness().await(children, null);
        step(() -> {
            control = ControlServer.start(config, supervisor, mesh, pki);
            ready = true;
            supervisor.supervise();
            return null;
        });
        writeFiles();
        ComponentTable.print(out, components());
        ComponentTable.printPodNetworks(out, probe, children, config.readyTimeout());
        out.println("Tendril is ready.");
        String dir = config.dataDirOption();
        out.printf(
                "Started in %s. Stop it with Ctrl-C or './tendril down%s'; check it with './tendril status%s'.%n",
                elapsed(), dir, dir);
        out.printf(
                "Crashed components are started again (back-off %d s doubling to %d s); restart one with "
                        + "'./tendril restart COMPONENT%s'.%n",
                BackOff.DEFAULT.initial().toSeconds(), BackOff.DEFAULT.max().toSeconds(), dir);
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
                if (control != null) {
                    control.close();
                }
                // The services, agents and ClusterMesh peers' MirrorMaker 2 first: they use Kafka and PostgreSQL.
                List<Supervised> first = new ArrayList<>(children);
                first.addAll(mesh == null ? List.of() : mesh.closing());
                if (!first.isEmpty()) {
                    out.println("Stopping " + ComponentTable.names(first) + " (" + AotCache.stopNote(first, STOP_GRACE)
                            + ")...");
                    int[] killed = {0};
                    if (attempt(
                            "stopping the services and agents", () -> killed[0] = supervisor.stop(first, STOP_GRACE))) {
                        out.println("Stopped " + ComponentTable.names(first)
                                + (killed[0] > 0 ? " (" + killed[0] + " killed forcibly)" : ""));
                    }
                }
                // The kernel pod network stays, as cilium-agent's datapath outlives the agent: the pods' programs go on
                // enforcing the last maps (fail-static), and the next start's agents find their pods as they left
                // them. './tendril down' and 'up --fresh' remove it.
                attempt("looking for the kernel pod network", () -> {
                    if (fabric.present()) {
                        out.printf(
                                "%-10s kept the kernel pod network %s (the pods' namespaces and programs); "
                                        + "'./tendril down%s' removes it%n",
                                "fabric", config.fabric().prefix(), config.dataDirOption());
                    }
                });
                if (!kafka.nodes().isEmpty() && attempt("stopping Kafka", () -> kafka.stop(supervisor))) {
                    out.println("Stopped Kafka");
                }
                if (postgres != null
                        && attempt("stopping PostgreSQL", () -> supervisor.stop(List.of(postgres), STOP_GRACE))) {
                    out.println("Stopped PostgreSQL");
                }
                if (supervisor != null) {
                    attempt("recording the final state", this::writeFiles);
                    supervisor.close();
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

    /** Starts PostgreSQL and Kafka side by side (they do not need each other) and waits until both are ready. */
    private void startInfrastructure(Path logs, List<ComponentSpec> specs) {
        List<String> jvm = ChildProcess.launcherJvm(LOG_FORMAT);
        String classPath = jvm.get(jvm.size() - 1);
        step(() -> {
            postgres = supervisor.add(
                    new Component(
                            "postgres",
                            Kind.POSTGRES,
                            postgresPort,
                            jdbcUrl(),
                            null,
                            logs.resolve("postgres.log").toString()),
                    () -> List.of(
                            KEEPER_HEAP,
                            LOG_FORMAT,
                            "-cp",
                            classPath,
                            PostgresProcess.class.getName(),
                            config.dataDir().toString(),
                            Integer.toString(postgresPort)),
                    STOP_GRACE,
                    this::stopLeftoverPostmaster);
            supervisor.start(postgres);
            kafka.start(supervisor, jvm, logs, specs);
            return null;
        });
        List<Supervised> infrastructure = new ArrayList<>(List.of(postgres));
        infrastructure.addAll(kafka.nodes());
        readiness()
                .await(
                        infrastructure,
                        supervised -> supervised == postgres
                                ? String.format(
                                        "%-10s ready on 127.0.0.1:%d, database %s (%s)",
                                        "postgres", postgresPort, StackConfig.DATABASE, elapsed())
                                : String.format(
                                        "%-10s ready on %s (%s)",
                                        supervised.name(),
                                        supervised.component().url(),
                                        elapsed()));
    }

    /** PostgreSQL daemonizes its postmaster: a keeper that was killed leaves it running. */
    private void stopLeftoverPostmaster() {
        dataDir.postmaster().ifPresent(left -> ProcessReaper.stop(List.of(left), STOP_GRACE));
    }

    private String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/" + StackConfig.DATABASE;
    }

    /** Services and agents by their readiness endpoint, Kafka by a TCP connect, PostgreSQL by a login to the database. */
    private boolean healthy(Component component) {
        return component.kind() == Kind.POSTGRES
                ? PostgresProcess.acceptsLogins(dataDir, component.port())
                : probe.check(component).ok();
    }

    private String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    private ReadinessWait readiness() {
        return new ReadinessWait(
                out, config.readyTimeout(), () -> stopping, probe, this::healthy, supervisor, this::elapsed);
    }

    private List<Component> components() {
        List<Component> components = new ArrayList<>();
        components.add(postgres.component());
        kafka.nodes().forEach(node -> components.add(node.component()));
        children.forEach(child -> components.add(child.component()));
        if (mesh != null) {
            mesh.mirrors().forEach(mirror -> components.add(mirror.component()));
        }
        return components;
    }

    /** stack.json (what runs, with each component's current pid) and supervisor.json (restarts, last exits). */
    private void writeFiles() {
        synchronized (lock) {
            if (supervisor == null || postgres == null || kafka.nodes().isEmpty()) {
                return;
            }
            long pid = ProcessHandle.current().pid();
            new StackFile(
                            pid,
                            config.dataDir().toString(),
                            startedAt,
                            ready,
                            components(),
                            config.cluster().recorded())
                    .write(config.dataDir());
            new SupervisorFile(pid, control == null ? null : control.url(), supervisor.snapshot())
                    .write(config.dataDir());
        }
    }

    private String elapsed() {
        return String.format("%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }

    private void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
