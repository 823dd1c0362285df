package dev.tendril.agent.bpf;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
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
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The {@code bpf(2)} commands Tendril needs, called through libc's {@code syscall(2)} with the FFM API.
 * Every command fills {@code union bpf_attr} exactly as include/uapi/linux/bpf.h lays it out and returns
 * the kernel's result: a non-negative value on success, {@code -errno} on failure. Callers decide which
 * errnos are answers (ENOENT on lookup) and which are errors.
 *
 * <p>One instance owns one attr buffer and one errno capture buffer, allocated in the caller's arena,
 * so it must be used by one thread at a time (the owning map's lock).
 */
final class Bpf {
    static final int BPF_MAP_CREATE = 0;
    static final int BPF_MAP_LOOKUP_ELEM = 1;
    static final int BPF_MAP_UPDATE_ELEM = 2;
    static final int BPF_MAP_DELETE_ELEM = 3;
    static final int BPF_MAP_GET_NEXT_KEY = 4;
    static final int BPF_OBJ_PIN = 6;
    static final int BPF_OBJ_GET = 7;
    static final int BPF_OBJ_GET_INFO_BY_FD = 15;
    static final int BPF_MAP_LOOKUP_BATCH = 24;
    static final int BPF_MAP_UPDATE_BATCH = 26;
    static final int BPF_MAP_DELETE_BATCH = 27;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EBADF = 9;
    static final int EFAULT = 14;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int EOPNOTSUPP = 95;
    /** The kernel-internal "operation not supported" that leaks to user space from map ops without batch support. */
    static final int ENOTSUPP = 524;

    /** BPF_OBJ_NAME_LEN: map names keep at most 15 characters plus NUL. */
    static final int OBJ_NAME_LEN = 16;
    /** Large enough for every command used here; the kernel requires the bytes it does not know to be zero. */
    static final long ATTR_SIZE = 128;

    /** {@code struct bpf_map_info} up to {@code name}; the kernel copies out at most {@code info_len} bytes. */
    static final long MAP_INFO_SIZE = 40;

    static final long INFO_TYPE = 0;
    static final long INFO_KEY_SIZE = 8;
    static final long INFO_VALUE_SIZE = 12;
    static final long INFO_MAX_ENTRIES = 16;
    static final long INFO_MAP_FLAGS = 20;
    static final long INFO_NAME = 24;

    private static final long SYS_BPF_X86_64 = 321;
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SYSCALL;
    private static final MethodHandle CLOSE;
    /** Why bpf(2) cannot be called from this JVM at all, or null when it can. */
    private static final String PLATFORM_PROBLEM;

    static {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        MethodHandle syscall = null;
        MethodHandle close = null;
        String problem = null;
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            problem = "bpf(2) exists only on Linux, this is " + os;
        } else if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            problem = "bpf(2) is wired for x86_64 only (syscall number 321, x86_64 errnos), this is " + arch;
        } else {
            try {
                Linker linker = Linker.nativeLinker();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                syscall = linker.downcallHandle(
                        linker.defaultLookup().find("syscall").orElseThrow(),
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
                        errno,
                        Linker.Option.firstVariadicArg(1));
                close = linker.downcallHandle(
                        linker.defaultLookup().find("close").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT),
                        errno);
            } catch (RuntimeException e) {
                problem = "cannot link libc syscall/close: " + e;
            }
        }
        SYSCALL = syscall;
        CLOSE = close;
        PLATFORM_PROBLEM = problem;
    }

    /** bpf(2) calls made by this JVM, by command (index = cmd): what {@link BpfSyscalls} reports. */
    static final AtomicLongArray CALLS = new AtomicLongArray(BPF_MAP_DELETE_BATCH + 1);

    private final MemorySegment attr;
    private final MemorySegment capture;

    Bpf(Arena arena) {
        requirePlatform();
        this.attr = arena.allocate(ATTR_SIZE, 8);
        this.capture = arena.allocate(CAPTURE_LAYOUT);
    }

    /** Why this JVM cannot call bpf(2) (wrong OS or architecture), or empty when it can try. */
    static Optional<String> platformProblem() {
        return Optional.ofNullable(PLATFORM_PROBLEM);
    }

    static void requirePlatform() {
        if (PLATFORM_PROBLEM != null) {
            throw new BpfSyscallException(PLATFORM_PROBLEM, 0);
        }
    }

    /** BPF_MAP_CREATE: the new map's fd, or -errno. {@code name} must already be a valid kernel map name. */
    int mapCreate(int type, int keySize, int valueSize, int maxEntries, int flags, String name) {
        clear();
        attr.set(JAVA_INT, 0, type);
        attr.set(JAVA_INT, 4, keySize);
        attr.set(JAVA_INT, 8, valueSize);
        attr.set(JAVA_INT, 12, maxEntries);
        attr.set(JAVA_INT, 16, flags);
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(n, 0, attr, JAVA_BYTE, 28, Math.min(n.length, OBJ_NAME_LEN - 1));
        return (int) call(BPF_MAP_CREATE);
    }

    /** BPF_MAP_LOOKUP_ELEM into {@code value}: 0 or -errno (-ENOENT when absent). */
    int lookup(int fd, MemorySegment key, MemorySegment value) {
        return (int) elem(BPF_MAP_LOOKUP_ELEM, fd, key, value, 0);
    }

    /** BPF_MAP_UPDATE_ELEM with BPF_ANY / BPF_NOEXIST / BPF_EXIST: 0 or -errno. */
    int update(int fd, MemorySegment key, MemorySegment value, long flags) {
        return (int) elem(BPF_MAP_UPDATE_ELEM, fd, key, value, flags);
    }

    /** BPF_MAP_DELETE_ELEM: 0 or -errno (-ENOENT when absent). */
    int delete(int fd, MemorySegment key) {
        return (int) elem(BPF_MAP_DELETE_ELEM, fd, key, MemorySegment.NULL, 0);
    }

    /**
     * BPF_MAP_GET_NEXT_KEY into {@code next}: 0, or -ENOENT after the last key. A
     * {@link MemorySegment#NULL} key asks for the first key.
     */
    int nextKey(int fd, MemorySegment key, MemorySegment next) {
        return (int) elem(BPF_MAP_GET_NEXT_KEY, fd, key, next, 0);
    }

    /**
     * BPF_MAP_UPDATE_BATCH or BPF_MAP_DELETE_BATCH over {@code count} packed keys (and values): 0 or
     * -errno. The kernel stops at the first failing element; {@link #batchCount()} then says how many
     * went before it.
     */
    int batch(int cmd, int fd, MemorySegment keys, MemorySegment values, int count, long elemFlags) {
        clear();
        attr.set(JAVA_LONG, 16, keys.address());
        attr.set(JAVA_LONG, 24, values.address());
        attr.set(JAVA_INT, 32, count);
        attr.set(JAVA_INT, 36, fd);
        attr.set(JAVA_LONG, 40, elemFlags);
        return (int) call(cmd);
    }

    /**
     * BPF_MAP_LOOKUP_BATCH: up to {@code count} entries after the position {@code in} names (NULL: from the first),
     * their keys and values packed into {@code keys} and {@code values}, the position after the last one into
     * {@code out} (a hash map's bucket, an LPM trie's last key). 0, -ENOENT when the map's end was reached (the
     * entries before it are still returned), or -errno. {@link #batchCount()} says how many were returned.
     */
    int lookupBatch(int fd, MemorySegment in, MemorySegment out, MemorySegment keys, MemorySegment values, int count) {
        clear();
        attr.set(JAVA_LONG, 0, in.address());
        attr.set(JAVA_LONG, 8, out.address());
        attr.set(JAVA_LONG, 16, keys.address());
        attr.set(JAVA_LONG, 24, values.address());
        attr.set(JAVA_INT, 32, count);
        attr.set(JAVA_INT, 36, fd);
        return (int) call(BPF_MAP_LOOKUP_BATCH);
    }

    /** {@code batch.count} as the kernel wrote it back after {@link #batch}: elements processed. */
    int batchCount() {
        return attr.get(JAVA_INT, 32);
    }

    /** BPF_OBJ_PIN at a NUL-terminated path on a bpffs: 0 or -errno. */
    int objPin(int fd, MemorySegment path) {
        clear();
        attr.set(JAVA_LONG, 0, path.address());
        attr.set(JAVA_INT, 8, fd);
        return (int) call(BPF_OBJ_PIN);
    }

    /** BPF_OBJ_GET of a NUL-terminated path, read-write: a new fd or -errno. */
    int objGet(MemorySegment path) {
        clear();
        attr.set(JAVA_LONG, 0, path.address());
        return (int) call(BPF_OBJ_GET);
    }

    /** BPF_OBJ_GET_INFO_BY_FD into a zeroed {@code info} of {@link #MAP_INFO_SIZE} bytes: 0 or -errno. */
    int mapInfo(int fd, MemorySegment info) {
        clear();
        attr.set(JAVA_INT, 0, fd);
        attr.set(JAVA_INT, 4, (int) info.byteSize());
        attr.set(JAVA_LONG, 8, info.address());
        return (int) call(BPF_OBJ_GET_INFO_BY_FD);
    }

    /** close(2): 0 or -errno. */
    int close(int fd) {
        try {
            int r = (int) CLOSE.invokeExact(capture, fd);
            return r < 0 ? -errno() : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private long elem(int cmd, int fd, MemorySegment key, MemorySegment valueOrNext, long flags) {
        clear();
        attr.set(JAVA_INT, 0, fd);
        attr.set(JAVA_LONG, 8, key.address());
        attr.set(JAVA_LONG, 16, valueOrNext.address());
        attr.set(JAVA_LONG, 24, flags);
        return call(cmd);
    }

    private void clear() {
        attr.fill((byte) 0);
    }

    private long call(int cmd) {
        CALLS.incrementAndGet(cmd);
        try {
            long r = (long) SYSCALL.invokeExact(capture, SYS_BPF_X86_64, (long) cmd, attr, ATTR_SIZE);
            return r < 0 ? -errno() : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private int errno() {
        return (int) ERRNO.get(capture, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** The symbolic name of an x86_64 errno, for messages. */
    static String errnoName(int errno) {
        return Errno.name(errno);
    }
}
