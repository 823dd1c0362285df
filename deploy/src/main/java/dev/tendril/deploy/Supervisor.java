package dev.tendril.deploy;

import dev.tendril.cli.restart.SupervisorFile;
import dev.tendril.cli.stack.Component;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Runs every component of the stack as a child process and, once {@link #supervise()} was called, starts one that
 * exited unexpectedly again after the {@link RestartTracker}'s back-off, as systemd ({@code Restart=always}) or a
 * Kubernetes Deployment would. Before that (start-up) an exit is only recorded: the launcher fails with the log.
 * {@link #restart(String)} restarts one component on request; {@link #stop(List, Duration)} stops for good.
 */
final class Supervisor implements AutoCloseable {

    private static final Duration HEALTH_POLL = Duration.ofSeconds(1);

    /** What {@link #restart(String)} did. */
    record Restarted(String name, Long previousPid, long pid, int restarts) {}

    private final BackOff backOff;
    private final Clock clock;
    private final Path workDir;
    private final PrintStream out;
    private final Predicate<Component> healthy;
    private final Runnable onChange;
    private final List<Supervised> all = new ArrayList<>();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "tendril-supervisor");
        thread.setDaemon(true);
        return thread;
    });
    private boolean supervising;
    private boolean stopping;

    /**
     * @param healthy  the health check of a component (readiness endpoint, TCP connect, database login)
     * @param onChange called, on the supervisor's thread, after a component started, became healthy or exited
     */
    Supervisor(
            BackOff backOff,
            Clock clock,
            Path workDir,
            PrintStream out,
            Predicate<Component> healthy,
            Runnable onChange) {
        this.backOff = backOff;
        this.clock = clock;
        this.workDir = workDir;
        this.out = out;
        this.healthy = healthy;
        this.onChange = onChange;
    }

    /**
     * Registers a component; {@code arguments} are the JVM's (evaluated at every start), {@code afterStop} cleans up
     * what a stopped or killed process may leave (PostgreSQL's daemonized postmaster).
     */
    synchronized Supervised add(
            Component template, Supplier<List<String>> arguments, Duration stopGrace, Runnable afterStop) {
        Supervised supervised =
                new Supervised(template, arguments, stopGrace, afterStop, new RestartTracker(backOff, clock), this);
        all.add(supervised);
        return supervised;
    }

    /** Starts a component for the first time. */
    ChildProcess start(Supervised supervised) {
        ChildProcess started = startUnrecorded(supervised);
        changed();
        return started;
    }

    /** {@link #start} without recording it in stack.json: for a caller holding a lock the record takes (ClusterMesh). */
    synchronized ChildProcess startUnrecorded(Supervised supervised) {
        return startNow(supervised);
    }

    /** Starts a component again whose process exited before start-up saw it ready (no back-off: start-up waits). */
    void startAgain(Supervised supervised) {
        synchronized (this) {
            if (stopping
                    || supervised.stopRequested
                    || supervised.process.process().isAlive()) {
                return;
            }
            if (supervised.state != SupervisedState.EXITED) {
                // Its exit has not reached exited() yet, which will then find a newer process and ignore it.
                supervised.tracker.crashed(supervised.process.exitCode());
            }
            startNow(supervised);
        }
        changed();
    }

    /** From now on an unexpected exit is restarted after the back-off; health is polled for the restarted ones. */
    void supervise() {
        synchronized (this) {
            supervising = true;
        }
        executor.scheduleWithFixedDelay(
                this::pollHealth, HEALTH_POLL.toMillis(), HEALTH_POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Records that a component's health check passed (the launcher's start-up wait does the checking then). */
    void healthy(Supervised supervised) {
        synchronized (this) {
            supervised.tracker.healthy();
            if (supervised.state == SupervisedState.STARTING) {
                supervised.state = SupervisedState.RUNNING;
            }
        }
        changed();
    }

    synchronized Optional<Supervised> find(String name) {
        return all.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    synchronized List<String> names() {
        return all.stream().map(Supervised::name).toList();
    }

    /**
     * Stops the component's process (SIGTERM, its grace period, SIGKILL) and starts it again at once, without
     * back-off; empty when there is no such component.
     *
     * @throws IllegalStateException when the stack is stopping or the component is already restarting
     */
    Optional<Restarted> restart(String name) {
        Supervised supervised;
        ChildProcess old;
        synchronized (this) {
            Optional<Supervised> found = find(name);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            supervised = found.get();
            if (stopping) {
                throw new IllegalStateException("the stack is stopping");
            }
            if (supervised.restarting) {
                throw new IllegalStateException(name + " is already restarting");
            }
            supervised.restarting = true;
            if (supervised.pendingStart != null) {
                supervised.pendingStart.cancel(false);
                supervised.pendingStart = null;
            }
            old = supervised.process;
        }
        boolean wasRunning = old != null && old.process().isAlive();
        try {
            if (wasRunning) {
                out.printf("%-10s restarting on request (pid %d)%n", name, old.pid());
                ProcessReaper.stop(List.of(old.process().toHandle()), old.stopGrace(supervised.stopGrace));
            }
            supervised.afterStop.run();
        } finally {
            synchronized (this) {
                supervised.restarting = false;
            }
        }
        Restarted restarted;
        synchronized (this) {
            if (stopping) {
                throw new IllegalStateException("the stack is stopping");
            }
            if (wasRunning) {
                supervised.tracker.stopped(old.exitCode(), "restarted on request");
            }
            ChildProcess started = startNow(supervised);
            restarted =
                    new Restarted(name, old == null ? null : old.pid(), started.pid(), supervised.tracker.restarts());
        }
        changed();
        return Optional.of(restarted);
    }

    /** Stops the given components for good (no restart); returns how many had to be killed forcibly. */
    int stop(List<Supervised> group, Duration grace) {
        List<ProcessHandle> handles = new ArrayList<>();
        Duration longest = grace;
        synchronized (this) {
            stopping = true;
            for (Supervised s : group) {
                s.stopRequested = true;
                if (s.pendingStart != null) {
                    s.pendingStart.cancel(false);
                    s.pendingStart = null;
                }
                if (s.process != null && s.process.process().isAlive()) {
                    handles.add(s.process.process().toHandle());
                    longest = s.process.stopGrace(longest);
                }
            }
        }
        int killed = handles.isEmpty() ? 0 : ProcessReaper.stop(handles, longest);
        for (Supervised s : group) {
            s.afterStop.run();
        }
        synchronized (this) {
            for (Supervised s : group) {
                if (s.state != SupervisedState.STOPPED) {
                    s.state = SupervisedState.STOPPED;
                    if (s.process != null && !s.process.process().isAlive()) {
                        s.tracker.stopped(s.process.exitCode(), "stopped with the stack");
                    }
                }
            }
        }
        return killed;
    }

    /**
     * Stops one component for good and forgets it (a ClusterMesh peer's MirrorMaker 2 on disconnect), while the rest
     * of the stack runs on; false when there is no such component.
     */
    boolean remove(String name, Duration grace) {
        Supervised supervised;
        ProcessHandle handle = null;
        synchronized (this) {
            Optional<Supervised> found = find(name);
            if (found.isEmpty()) {
                return false;
            }
            supervised = found.get();
            supervised.stopRequested = true;
            if (supervised.pendingStart != null) {
                supervised.pendingStart.cancel(false);
                supervised.pendingStart = null;
            }
            if (supervised.process != null && supervised.process.process().isAlive()) {
                handle = supervised.process.process().toHandle();
            }
        }
        if (handle != null) {
            ProcessReaper.stop(List.of(handle), grace);
        }
        supervised.afterStop.run();
        synchronized (this) {
            all.remove(supervised);
        }
        changed();
        return true;
    }

    /** Every component's state, for {@code supervisor.json}. */
    synchronized List<SupervisorFile.Supervised> snapshot() {
        return all.stream()
                .map(s -> new SupervisorFile.Supervised(
                        s.name(),
                        s.state.json(),
                        s.process == null ? null : s.process.pid(),
                        s.tracker.restarts(),
                        s.tracker
                                .lastExit()
                                .map(e -> new SupervisorFile.LastExit(e.code(), e.reason(), e.at().toString()))
                                .orElse(null)))
                .toList();
    }

    synchronized SupervisedState state(Supervised supervised) {
        return supervised.state;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    private ChildProcess startNow(Supervised supervised) {
        ChildProcess child =
                ChildProcess.start(supervised.name(), supervised.arguments.get(), workDir, supervised.log());
        supervised.process = child;
        supervised.tracker.started();
        supervised.state = SupervisedState.STARTING;
        child.process().onExit().thenRunAsync(() -> exited(supervised, child), executor);
        if (supervised.tracker.restarts() > 0) {
            out.printf(
                    "%-10s started again (pid %d, restart %d)%n",
                    supervised.name(), child.pid(), supervised.tracker.restarts());
        }
        return child;
    }

    private void exited(Supervised supervised, ChildProcess child) {
        synchronized (this) {
            if (supervised.process != child || supervised.restarting) {
                return;
            }
            int code = child.exitCode();
            if (stopping || supervised.stopRequested) {
                supervised.tracker.stopped(code, "stopped with the stack");
                supervised.state = SupervisedState.STOPPED;
                return;
            }
            Duration delay = supervised.tracker.crashed(code);
            if (!supervising) {
                supervised.state = SupervisedState.EXITED;
            } else {
                supervised.state = SupervisedState.BACKOFF;
                out.printf(
                        "%-10s (pid %d) %s; starting it again in %s (see %s)%n",
                        supervised.name(),
                        child.pid(),
                        RestartTracker.describe(code),
                        RestartTracker.describe(delay),
                        supervised.log());
                supervised.pendingStart =
                        executor.schedule(() -> startAfterBackOff(supervised), delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        changed();
    }

    private void startAfterBackOff(Supervised supervised) {
        synchronized (this) {
            supervised.pendingStart = null;
            if (stopping || supervised.stopRequested || supervised.restarting) {
                return;
            }
            try {
                startNow(supervised);
            } catch (RuntimeException e) {
                Duration delay = supervised.tracker.crashed(-1);
                out.printf(
                        "%-10s cannot be started (%s); trying again in %s%n",
                        supervised.name(), e.getMessage(), RestartTracker.describe(delay));
                supervised.pendingStart =
                        executor.schedule(() -> startAfterBackOff(supervised), delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        changed();
    }

    private void pollHealth() {
        List<Supervised> starting;
        synchronized (this) {
            if (stopping) {
                return;
            }
            starting = all.stream()
                    .filter(s -> s.state == SupervisedState.STARTING && s.process != null)
                    .toList();
        }
        if (starting.isEmpty()) {
            return;
        }
        List<Future<Boolean>> checks = new ArrayList<>();
        try (ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Supervised s : starting) {
                Component component = s.component();
                checks.add(probes.submit(() -> healthy.test(component)));
            }
        }
        boolean changed = false;
        synchronized (this) {
            for (int i = 0; i < starting.size(); i++) {
                Supervised s = starting.get(i);
                if (s.state == SupervisedState.STARTING
                        && checks.get(i).state() == Future.State.SUCCESS
                        && checks.get(i).resultNow()) {
                    s.tracker.healthy();
                    s.state = SupervisedState.RUNNING;
                    changed = true;
                    if (s.tracker.restarts() > 0) {
                        out.printf(
                                "%-10s ready again (pid %d, restarts %d)%n",
                                s.name(), s.process.pid(), s.tracker.restarts());
                    }
                }
            }
        }
        if (changed) {
            changed();
        }
    }

    private void changed() {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            out.println("Warning: cannot record the supervisor's state: " + e.getMessage());
        }
    }
}
