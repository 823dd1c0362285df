package dev.tendril.deploy;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Moves the calling platform thread into a network namespace with setns(2), so that the sockets it opens afterwards
 * belong to that namespace for their whole life (a pod's, for a load driver sending from the pod). Only the calling
 * thread moves; root, as {@code ip netns exec} needs.
 */
final class NetnsThread {

    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle OPEN = LINKER.downcallHandle(
            LIBC.find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = LINKER.downcallHandle(
            LIBC.find("setns").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE =
            LINKER.downcallHandle(LIBC.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private NetnsThread() {}

    /** Enters {@code /run/netns/<name>}'s namespace (the file {@code ip netns add} bind-mounts). */
    static void enter(Path netns) {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("setns moves a carrier thread, not a virtual one");
        }
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(arena.allocateFrom(netns.toString()), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throw new IllegalStateException("cannot open " + netns);
            }
            int r = (int) SETNS.invokeExact(fd, CLONE_NEWNET);
            int closed = (int) CLOSE.invokeExact(fd);
            if (r != 0 || closed != 0) {
                throw new IllegalStateException("setns(" + netns + ") failed: run as root");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("setns(" + netns + "): " + t, t);
        }
    }
}
