package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * libbpf's messages (its print callback), which would otherwise go to the process's stderr: warnings
 * are logged, and while {@link #capturing} runs on a thread, that thread's messages are also kept so that
 * a failure can quote them (a rejected program's verifier log comes this way).
 */
final class LibbpfLog {
    private static final Logger LOG = Logger.getLogger(LibbpfLog.class);
    private static final int WARN = 0;
    private static final int DEBUG = 2;
    private static final long LINE = 4096;
    /** Enough of the verifier log to see why; it ends with the offending instruction and the reason. */
    private static final int KEEP = 64 * 1024;

    private static final ThreadLocal<StringBuilder> CAPTURED = new ThreadLocal<>();
    private static final ThreadLocal<Boolean> QUIET = ThreadLocal.withInitial(() -> false);
    private static boolean installed;

    private LibbpfLog() {}

    /** Routes libbpf's messages here (once per JVM). */
    static synchronized void install() {
        if (installed) {
            return;
        }
        try {
            var handle = MethodHandles.lookup()
                    .findStatic(
                            LibbpfLog.class,
                            "print",
                            MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            MemorySegment stub = Linker.nativeLinker()
                    .upcallStub(handle, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
            LibBpf.setPrint(stub);
            installed = true;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code action}, keeping libbpf's messages of this thread for {@code failure} to quote. */
    static <T> T capturing(Supplier<T> action) {
        install();
        StringBuilder previous = CAPTURED.get();
        CAPTURED.set(new StringBuilder());
        try {
            return action.get();
        } finally {
            CAPTURED.set(previous);
        }
    }

    /**
     * {@link #capturing}, with libbpf's warnings logged at debug only: for calls whose failure the caller
     * expects and handles (tc hook creation warns when the qdisc exists already).
     */
    static <T> T quietly(Supplier<T> action) {
        QUIET.set(true);
        try {
            return capturing(action);
        } finally {
            QUIET.set(false);
        }
    }

    /** What libbpf said on this thread inside {@link #capturing}, trimmed to its end. */
    static String captured() {
        StringBuilder sb = CAPTURED.get();
        if (sb == null || sb.isEmpty()) {
            return "";
        }
        return sb.length() > KEEP ? "..." + sb.substring(sb.length() - KEEP) : sb.toString();
    }

    @SuppressWarnings("unused") // called by libbpf through the upcall stub
    private static int print(int level, MemorySegment format, MemorySegment args) {
        if (level >= DEBUG && CAPTURED.get() == null) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(LINE);
            int n = LibC.vsnprintf(buf, LINE, format, args);
            String text = n <= 0 ? "" : buf.getString(0).stripTrailing();
            StringBuilder sb = CAPTURED.get();
            if (sb != null) {
                sb.append(text).append('\n');
            }
            if (level == WARN && !QUIET.get()) {
                LOG.warn(text);
            } else {
                LOG.debug(text);
            }
        } catch (RuntimeException e) {
            // An exception must not unwind into libbpf; the message is lost, the call goes on.
            return 0;
        }
        return 0;
    }
}
