package dev.tendril.deploy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Stops process trees: SIGTERM to the roots, a grace period, then SIGKILL to whatever of the trees is left. */
final class ProcessReaper {

    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private ProcessReaper() {}

    /**
     * Stops every root and its descendants; returns how many had to be killed forcibly.
     * Descendants are collected before the roots die, because an orphan no longer shows up as anyone's descendant.
     */
    static int stop(List<ProcessHandle> roots, Duration grace) {
        List<ProcessHandle> all = new ArrayList<>();
        for (ProcessHandle root : roots) {
            all.add(root);
            root.descendants().forEach(all::add);
        }
        roots.forEach(ProcessHandle::destroy);
        await(roots, grace);
        int killed = 0;
        for (ProcessHandle handle : all) {
            if (handle.isAlive() && handle.destroyForcibly()) {
                killed++;
            }
        }
        await(all, KILL_WAIT);
        return killed;
    }

    private static void await(List<ProcessHandle> handles, Duration timeout) {
        CompletableFuture<?>[] exits =
                handles.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Whoever is still alive is dealt with by the caller.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
