package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The tc side: a clsact qdisc on the host-side veth and one direct-action bpf filter on each of its
 * hooks, at a fixed handle and priority so that attaching again replaces the program in place (netlink
 * replace: the old program runs until the new one is in, there is no window without one). Netlink talks
 * to the namespace of the calling thread, so every call runs in the veth's namespace ({@link Netns}).
 */
final class TcFilters {
    /** tc handle and priority of Tendril's filters, as {@code tc filter show} prints them. */
    static final int HANDLE = 1;

    static final int PRIORITY = 1;

    private TcFilters() {}

    /** Attaches (or replaces) {@code ingressFd} on tc ingress and {@code egressFd} on tc egress. */
    static KernelDatapath.AttachedPrograms attach(Path netns, int ifindex, int ingressFd, int egressFd) {
        return Netns.call(netns, () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment hook = hook(arena, ifindex, LibBpf.BPF_TC_INGRESS);
                LibbpfLog.quietly(() -> {
                    int r = LibBpf.tcHookCreate(hook);
                    if (r < 0 && r != -LibBpf.EEXIST) {
                        throw new KernelDatapathException(
                                KernelDatapathException.failed("bpf_tc_hook_create(ifindex " + ifindex + ")", r)
                                                .getMessage()
                                        + ": " + LibbpfLog.captured().strip());
                    }
                    return r;
                });
                int ingress = attachOne(arena, hook, ingressFd);
                int egress = attachOne(arena, hook(arena, ifindex, LibBpf.BPF_TC_EGRESS), egressFd);
                return new KernelDatapath.AttachedPrograms(ingress, egress);
            }
        });
    }

    private static int attachOne(Arena arena, MemorySegment hook, int fd) {
        MemorySegment opts = opts(arena);
        opts.set(JAVA_INT, 8, fd);
        opts.set(JAVA_INT, 12, LibBpf.BPF_TC_F_REPLACE);
        int r = LibBpf.tcAttach(hook, opts);
        if (r < 0) {
            throw KernelDatapathException.failed(
                    "bpf_tc_attach(ifindex " + hook.get(JAVA_INT, 8) + ", hook " + hook.get(JAVA_INT, 12) + ")", r);
        }
        return opts.get(JAVA_INT, 16);
    }

    /** Removes Tendril's filters; a missing filter or device is no error. */
    static void detach(Path netns, int ifindex) {
        Netns.call(netns, () -> {
            try (Arena arena = Arena.ofConfined()) {
                for (int point : new int[] {LibBpf.BPF_TC_INGRESS, LibBpf.BPF_TC_EGRESS}) {
                    int r = LibBpf.tcDetach(hook(arena, ifindex, point), opts(arena));
                    if (r < 0 && r != -LibBpf.ENOENT && r != -LibBpf.EINVAL && r != -19) {
                        throw KernelDatapathException.failed("bpf_tc_detach(ifindex " + ifindex + ")", r);
                    }
                }
                return null;
            }
        });
    }

    static KernelDatapath.AttachedPrograms query(Path netns, int ifindex) {
        return Netns.call(netns, () -> {
            try (Arena arena = Arena.ofConfined()) {
                int[] ids = new int[2];
                int i = 0;
                for (int point : new int[] {LibBpf.BPF_TC_INGRESS, LibBpf.BPF_TC_EGRESS}) {
                    MemorySegment opts = opts(arena);
                    int r = LibBpf.tcQuery(hook(arena, ifindex, point), opts);
                    ids[i++] = r < 0 ? 0 : opts.get(JAVA_INT, 16);
                }
                return new KernelDatapath.AttachedPrograms(ids[0], ids[1]);
            }
        });
    }

    private static MemorySegment hook(Arena arena, int ifindex, int attachPoint) {
        MemorySegment hook = arena.allocate(LibBpf.TC_HOOK_SIZE, 8);
        hook.set(JAVA_LONG, 0, LibBpf.TC_HOOK_SIZE);
        hook.set(JAVA_INT, 8, ifindex);
        hook.set(JAVA_INT, 12, attachPoint);
        return hook;
    }

    /** bpf_tc_opts with Tendril's handle and priority. */
    private static MemorySegment opts(Arena arena) {
        MemorySegment opts = arena.allocate(LibBpf.TC_OPTS_SIZE, 8);
        opts.set(JAVA_LONG, 0, LibBpf.TC_OPTS_SIZE);
        opts.set(JAVA_INT, 20, HANDLE);
        opts.set(JAVA_INT, 24, PRIORITY);
        return opts;
    }
}
