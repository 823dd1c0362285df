package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The services benchmark's handle on {@link SocketLb} (package-private, as the agent keeps it): attaches the
 * socket-LB programs at the cgroup v2 root over a pin directory whose LB maps the benchmark writes, and admits
 * one network namespace's sockets to translation.
 */
public final class SocketLbBench {
    /** The endpoint id the benchmark's client namespace is registered under in tendril_lb_netns. */
    private static final int CLIENT_ENDPOINT = 1001;

    private static final long PROG_INFO_SIZE = 232;

    /** Bound on first use, so a machine without libbpf gets {@link #unavailableReason} and not an error. */
    private static final class Native {
        static final MethodHandle PROG_GET_FD_BY_ID = Linker.nativeLinker()
                .downcallHandle(
                        SymbolLookup.libraryLookup(LibBpf.LIBRARY, Arena.global())
                                .find("bpf_prog_get_fd_by_id")
                                .orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private SocketLbBench() {}

    /** Why the socket-LB programs cannot be attached here, if they cannot. */
    public static Optional<String> unavailableReason() {
        if (SocketLb.objectBytes().isEmpty()) {
            return Optional.of("no " + SocketLb.OBJECT_RESOURCE + " in the agent's classes (built without clang)");
        }
        if (SocketLb.cgroup2Root().isEmpty()) {
            return Optional.of("no cgroup v2 hierarchy mounted");
        }
        return KernelDatapath.unavailableReason();
    }

    /**
     * Loads the programs over {@code pinDir} (reusing its pinned LB maps) and attaches them: their ids, in the
     * order of their names (the first is {@code tendril_sock4_connect}).
     */
    public static List<Integer> attach(Path pinDir) {
        return SocketLb.load(pinDir, SocketLb.cgroup2Root().orElseThrow(), KernelDatapathConfig.defaults());
    }

    /** Registers the namespace at {@code netns}: its sockets are translated from now on. */
    public static long admit(Path pinDir, Path netns) {
        long cookie = Netns.cookie(netns);
        SocketLb.putNetns(pinDir, cookie, CLIENT_ENDPOINT);
        return cookie;
    }

    /**
     * The run time and run count ({@code kernel.bpf_stats_enabled} must be 1) of the program with id
     * {@code programId}: {@code struct bpf_prog_info} run_time_ns at 192, run_cnt at 200.
     */
    public static long[] runStats(int programId) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) Native.PROG_GET_FD_BY_ID.invokeExact(programId);
            if (fd < 0) {
                throw KernelDatapathException.failed("bpf_prog_get_fd_by_id(" + programId + ")", fd);
            }
            try {
                MemorySegment info = arena.allocate(PROG_INFO_SIZE, 8);
                MemorySegment len = arena.allocate(JAVA_INT);
                len.set(JAVA_INT, 0, (int) PROG_INFO_SIZE);
                int r = LibBpf.objInfo(fd, info, len);
                if (r < 0) {
                    throw KernelDatapathException.failed("bpf_obj_get_info_by_fd", r);
                }
                return new long[] {info.get(JAVA_LONG, 192), info.get(JAVA_LONG, 200)};
            } finally {
                Pins.close(fd);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new KernelDatapathException("bpf_prog_get_fd_by_id: " + e);
        }
    }

    /** Detaches the programs (unpins their links and tendril_lb_netns). */
    public static void detach(Path pinDir) {
        SocketLb.unpin(pinDir);
    }
}
