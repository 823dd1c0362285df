package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls next to libbpf (close, open, setns, if_nametoindex, socket, getsockopt, vsnprintf), and the errno capture
 * segment that {@link LibBpf}'s pointer-returning functions also fill. A binding, one method per C
 * function; failures return -1 with the errno in the caller's capture segment.
 */
final class LibC {
    static final int CLONE_NEWNET = 0x40000000;
    static final int O_RDONLY_CLOEXEC = 0x80000;
    static final int AF_INET = 2;
    static final int SOCK_DGRAM_CLOEXEC = 2 | 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_NETNS_COOKIE = 71;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE);
    private static final MethodHandle OPEN = bind(
            "open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS =
            bind("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE);
    private static final MethodHandle IF_NAMETOINDEX =
            bind("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS), CAPTURE);
    private static final MethodHandle SOCKET =
            bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE);
    private static final MethodHandle GETSOCKOPT = bind(
            "getsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), CAPTURE);
    private static final MethodHandle VSNPRINTF =
            bind("vsnprintf", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));

    private LibC() {}

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.defaultLookup()
                .find(name)
                .map(s -> LINKER.downcallHandle(s, fd, options))
                .orElse(null);
    }

    private static Object invoke(MethodHandle handle, Object... args) {
        if (handle == null) {
            throw new KernelDatapathException("libc has no such function here (not Linux?)");
        }
        try {
            return handle.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static MemorySegment capture(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** close(2): 0 or -1 with errno in capture. */
    static int close(MemorySegment capture, int fd) {
        return (int) invoke(CLOSE, capture, fd);
    }

    /** open(2), read-only and close-on-exec: an fd or -1 with errno in capture. */
    static int openReadOnly(MemorySegment capture, MemorySegment path) {
        return (int) invoke(OPEN, capture, path, O_RDONLY_CLOEXEC);
    }

    /** setns(2) for the calling thread: 0 or -1 with errno in capture. */
    static int setns(MemorySegment capture, int fd, int nstype) {
        return (int) invoke(SETNS, capture, fd, nstype);
    }

    /** if_nametoindex(3) in the calling thread's network namespace: the ifindex, or 0. */
    static int ifNameToIndex(MemorySegment capture, MemorySegment name) {
        return (int) invoke(IF_NAMETOINDEX, capture, name);
    }

    /** socket(2): an fd or -1 with errno in capture. */
    static int socket(MemorySegment capture, int domain, int type, int protocol) {
        return (int) invoke(SOCKET, capture, domain, type, protocol);
    }

    /** getsockopt(2): 0 or -1 with errno in capture. */
    static int getsockopt(
            MemorySegment capture, int fd, int level, int name, MemorySegment value, MemorySegment length) {
        return (int) invoke(GETSOCKOPT, capture, fd, level, name, value, length);
    }

    /** vsnprintf(3) of a va_list received by a callback (on x86_64 a va_list argument is a pointer). */
    static int vsnprintf(MemorySegment buf, long size, MemorySegment format, MemorySegment vaList) {
        return (int) invoke(VSNPRINTF, buf, size, format, vaList);
    }
}
