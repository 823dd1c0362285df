package dev.tendril.deploy;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One ClusterMesh change at a time (a connect, a disconnect, the restore at {@code up}): a request that finds another
 * still running after {@link #WAIT} is refused (409) naming it, one after the stack began to stop is refused (503).
 * Only changes take this lock: status, stop and the supervisor never wait for a change. A change says which step it
 * is at ({@link #step}); one still running after {@link #REPORT_EVERY} is reported on the launcher's output with its
 * step, and again every {@link #REPORT_EVERY}, so that a slow one shows where it waits.
 */
final class MeshChanges {

    /** How long a request waits for another connect or disconnect to finish before it is refused. */
    static final Duration WAIT = Duration.ofSeconds(30);

    static final Duration REPORT_EVERY = Duration.ofSeconds(20);

    private final ReentrantLock lock = new ReentrantLock();
    private final Duration wait;
    private final Duration reportEvery;
    private final PrintStream out;
    private volatile String changing = "";
    private volatile String step = "";

    MeshChanges(PrintStream out) {
        this(WAIT, REPORT_EVERY, out);
    }

    MeshChanges(Duration wait, Duration reportEvery, PrintStream out) {
        this.wait = wait;
        this.reportEvery = reportEvery;
        this.out = out;
    }

    /** The running change is now at {@code what} (for the refusal of another and the report of a slow one). */
    void step(String what) {
        step = what;
    }

    /** Runs {@code action} (described as {@code what}) alone, unless {@code stopping} says the stack stops. */
    <T> T run(String what, BooleanSupplier stopping, Supplier<T> action) {
        try {
            if (!lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new MeshRefused(
                        409,
                        "another ClusterMesh change (" + changing + ", " + step + ") is still in progress after "
                                + wait.toSeconds() + " s: try again when it has finished");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshRefused(503, "interrupted while waiting for another ClusterMesh change (" + changing + ")");
        }
        try {
            if (stopping.getAsBoolean()) {
                throw new MeshRefused(503, "the stack is stopping");
            }
            changing = what;
            step = "starting";
            Thread reporter = Thread.ofVirtual().name("mesh-change-report").start(() -> report(what));
            try {
                return action.get();
            } finally {
                reporter.interrupt();
            }
        } finally {
            changing = "";
            step = "";
            lock.unlock();
        }
    }

    private void report(String what) {
        long started = System.nanoTime();
        try {
            while (true) {
                Thread.sleep(reportEvery);
                out.printf(
                        "%-10s %s still running after %d s: %s%n",
                        "mesh", what, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), step);
            }
        } catch (InterruptedException done) {
            // The change ended.
        }
    }
}
