package dev.tendril.deploy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One ClusterMesh change at a time (a connect, a disconnect, the restore at {@code up}): a request that finds another
 * still running after {@link #WAIT} is refused (409) naming it, one after the stack began to stop is refused (503).
 * Only changes take this lock: status, stop and the supervisor never wait for a change.
 */
final class MeshChanges {

    /** How long a request waits for another connect or disconnect to finish before it is refused. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private final ReentrantLock lock = new ReentrantLock();
    private final Duration wait;
    private volatile String changing = "";

    MeshChanges(Duration wait) {
        this.wait = wait;
    }

    /** Runs {@code action} (described as {@code what}) alone, unless {@code stopping} says the stack stops. */
    <T> T run(String what, BooleanSupplier stopping, Supplier<T> action) {
        try {
            if (!lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new MeshRefused(
                        409,
                        "another ClusterMesh change (" + changing + ") is still in progress after " + wait.toSeconds()
                                + " s: try again when it has finished");
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
            return action.get();
        } finally {
            changing = "";
            lock.unlock();
        }
    }
}
