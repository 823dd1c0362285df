package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs code inside a network namespace: a fresh platform thread joins the namespace with setns(2)
 * (which changes only that thread) and runs the task there; the thread then ends, so no pooled thread
 * is ever left in a foreign namespace. Sockets and netlink requests created by the task belong to that
 * namespace for their whole life, whatever thread uses them afterwards; so do the ifindexes it resolves.
 */
public final class Netns {

    private Netns() {}

    /**
     * The result of {@code task}, run in the namespace at {@code path} ({@code /var/run/netns/<name>} or
     * {@code /proc/<pid>/ns/net}); in the caller's own namespace when {@code path} is null.
     *
     * @throws KernelDatapathException when the namespace cannot be entered
     */
    public static <T> T call(Path path, Callable<T> task) {
        if (path == null) {
            return run(task);
        }
        FutureTask<T> future = new FutureTask<>(() -> {
            enter(path);
            return task.call();
        });
        Thread thread = Thread.ofPlatform().name("netns-" + path.getFileName()).unstarted(future);
        thread.start();
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelDatapathException("interrupted while running in " + path);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new KernelDatapathException("in " + path + ": " + cause);
        }
    }

    private static <T> T run(Callable<T> task) {
        try {
            return task.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new KernelDatapathException(e.toString());
        }
    }

    private static void enter(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = LibC.capture(arena);
            int fd = LibC.openReadOnly(capture, LibBpf.cString(arena, path.toString()));
            if (fd < 0) {
                throw new KernelDatapathException(
                        "cannot open network namespace " + path + ": " + LibBpf.errnoName(LibC.errno(capture)));
            }
            try {
                if (LibC.setns(capture, fd, LibC.CLONE_NEWNET) < 0) {
                    throw new KernelDatapathException(
                            "setns(" + path + ") failed: " + LibBpf.errnoName(LibC.errno(capture)));
                }
            } finally {
                LibC.close(capture, fd);
            }
        }
    }

    /**
     * The cookie of the network namespace at {@code path} (null: this one), what {@code bpf_get_netns_cookie}
     * answers for its sockets: {@code getsockopt(SO_NETNS_COOKIE)} of a socket made there (Linux 5.14+).
     */
    public static long cookie(Path path) {
        return call(path, () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment capture = LibC.capture(arena);
                int fd = LibC.socket(capture, LibC.AF_INET, LibC.SOCK_DGRAM_CLOEXEC, 0);
                if (fd < 0) {
                    throw new KernelDatapathException("socket(2) failed" + (path == null ? "" : " in " + path) + ": "
                            + LibBpf.errnoName(LibC.errno(capture)));
                }
                try {
                    MemorySegment value = arena.allocate(JAVA_LONG);
                    MemorySegment length = arena.allocate(JAVA_INT);
                    length.set(JAVA_INT, 0, 8);
                    if (LibC.getsockopt(capture, fd, LibC.SOL_SOCKET, LibC.SO_NETNS_COOKIE, value, length) < 0) {
                        throw new KernelDatapathException(
                                "getsockopt(SO_NETNS_COOKIE) failed: " + LibBpf.errnoName(LibC.errno(capture)));
                    }
                    return value.get(JAVA_LONG, 0);
                } finally {
                    LibC.close(capture, fd);
                }
            }
        });
    }

    /** The index of interface {@code name} in the namespace at {@code path} (null: this one). */
    public static int ifindex(Path path, String name) {
        return call(path, () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment capture = LibC.capture(arena);
                int index = LibC.ifNameToIndex(capture, LibBpf.cString(arena, name));
                if (index == 0) {
                    throw new KernelDatapathException("no interface " + name + (path == null ? "" : " in " + path)
                            + ": " + LibBpf.errnoName(LibC.errno(capture)));
                }
                return index;
            }
        });
    }
}
