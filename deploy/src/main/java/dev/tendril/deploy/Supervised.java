package dev.tendril.deploy;

import dev.tendril.cli.stack.Component;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;

/**
 * One supervised component: how to start it and what the supervisor knows about it. The mutable fields are
 * guarded by the supervisor's lock.
 */
final class Supervised {
    final Component template;
    final Supplier<List<String>> arguments;
    final Duration stopGrace;
    final Runnable afterStop;
    final RestartTracker tracker;
    ChildProcess process;
    SupervisedState state = SupervisedState.STARTING;
    ScheduledFuture<?> pendingStart;
    boolean restarting;
    boolean stopRequested;

    private final Object lock;

    /** @param lock the supervisor's, which guards the mutable fields */
    Supervised(
            Component template,
            Supplier<List<String>> arguments,
            Duration stopGrace,
            Runnable afterStop,
            RestartTracker tracker,
            Object lock) {
        this.template = template;
        this.arguments = arguments;
        this.stopGrace = stopGrace;
        this.afterStop = afterStop;
        this.tracker = tracker;
        this.lock = lock;
    }

    String name() {
        return template.name();
    }

    Path log() {
        return Path.of(template.log());
    }

    /** The component as stack.json lists it, with the pid of its current process. */
    Component component() {
        synchronized (lock) {
            return new Component(
                    template.name(),
                    template.kind(),
                    template.port(),
                    template.url(),
                    process == null ? null : process.pid(),
                    template.log(),
                    template.node());
        }
    }

    /** The current process; null before the first start. */
    ChildProcess process() {
        synchronized (lock) {
            return process;
        }
    }

    int restarts() {
        synchronized (lock) {
            return tracker.restarts();
        }
    }
}
