package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The tc hooks through tcx (kernel 6.6+): each program on a host-side veth is a BPF link ({@code BPF_LINK_CREATE}
 * with {@code BPF_TCX_INGRESS} or {@code BPF_TCX_EGRESS}), pinned in the node's pin directory as
 * {@code tcx_<endpoint>_from} and {@code tcx_<endpoint>_to}. tcx runs the programs straight from the device's hook,
 * without the clsact qdisc and the cls_bpf classifier around every run, which is per-packet cost (issue 14 (b)); Cilium
 * attaches the same way where the kernel has tcx. A pinned link outlives the agent, so the programs go on enforcing
 * after a crash (fail-static), and a new program goes into the pinned link in place ({@code BPF_LINK_UPDATE}: there
 * is no moment without one), as {@link SocketLb}'s cgroup links do. Links are created in the veth's network namespace
 * (the ifindex is that namespace's), through {@link Netns}.
 */
final class TcxLinks {
    private static final Logger LOG = Logger.getLogger(TcxLinks.class);

    static final String PREFIX = "tcx_";

    private TcxLinks() {}

    /**
     * Whether this kernel has tcx: a link for device 0 (which never exists) is refused with ENODEV by a kernel
     * that has tcx and EINVAL by one that does not know the attach type for tc programs.
     */
    static boolean supported(int tcProgramFd) {
        int r = LibBpf.linkCreate(tcProgramFd, 0, LibBpf.BPF_TCX_INGRESS);
        if (r >= 0) {
            Pins.close(r);
            return true;
        }
        return r == -LibBpf.ENODEV;
    }

    /**
     * Runs {@code ingressFd} on tcx ingress and {@code egressFd} on tcx egress of the veth {@code ifindex}: the
     * endpoint's pinned links take the programs in place when they are on this veth, otherwise new links are made
     * and pinned (a link left on another device, or on a device that is gone, is detached first).
     */
    static void attach(Path dir, Path netns, int ifindex, int endpointId, int ingressFd, int egressFd) {
        Netns.call(netns, () -> {
            attachOne(pin(dir, endpointId, true), ifindex, LibBpf.BPF_TCX_INGRESS, ingressFd);
            attachOne(pin(dir, endpointId, false), ifindex, LibBpf.BPF_TCX_EGRESS, egressFd);
            return null;
        });
    }

    private static void attachOne(Path pin, int ifindex, int attachType, int programFd) {
        if (Files.exists(pin)) {
            int link = Pins.open(pin);
            try {
                int[] info = linkInfo(link, pin);
                if (info[0] == ifindex && info[1] == attachType) {
                    int r = LibBpf.linkUpdate(link, programFd);
                    if (r >= 0) {
                        return;
                    }
                    LOG.infof("%s: updating the pinned link failed (%s): attaching anew", pin, LibBpf.errnoName(-r));
                }
                LibBpf.linkDetach(link);
            } finally {
                Pins.close(link);
            }
            Pins.unpin(pin);
        }
        int link = LibBpf.linkCreate(programFd, ifindex, attachType);
        if (link < 0) {
            throw KernelDatapathException.failed(
                    "bpf_link_create(ifindex " + ifindex + ", " + hookName(attachType) + ")", link);
        }
        try (Arena arena = Arena.ofConfined()) {
            int r = LibBpf.objPin(link, LibBpf.cString(arena, pin.toString()));
            if (r < 0) {
                LibBpf.linkDetach(link);
                throw KernelDatapathException.failed("bpf_obj_pin(" + pin + ")", r);
            }
        } finally {
            // This process's fd only: the pin keeps the link, and with it the attachment.
            Pins.close(link);
        }
    }

    /**
     * Detaches the endpoint's links now ({@code BPF_LINK_DETACH}: dropping the pin alone would detach only when the
     * kernel gets round to freeing the link) and removes their pins; missing pins are no error.
     */
    static void detach(Path dir, int endpointId) {
        for (boolean from : new boolean[] {true, false}) {
            Path pin = pin(dir, endpointId, from);
            if (Files.exists(pin)) {
                detachPinned(pin);
            }
        }
    }

    /** Detaches and unpins every tcx link pinned in the directory (a node's teardown). */
    static void detachAll(Path dir) {
        pins(dir).forEach(TcxLinks::detachPinned);
    }

    private static void detachPinned(Path pin) {
        int link = Pins.open(pin);
        try {
            LibBpf.linkDetach(link);
        } finally {
            Pins.close(link);
        }
        Pins.unpin(pin);
    }

    /** The programs tcx runs on the veth now, whoever attached them (the first of each hook's list, 0 for none). */
    static KernelDatapath.AttachedPrograms query(Path netns, int ifindex) {
        return Netns.call(
                netns,
                () -> new KernelDatapath.AttachedPrograms(
                        first(ifindex, LibBpf.BPF_TCX_INGRESS), first(ifindex, LibBpf.BPF_TCX_EGRESS)));
    }

    /** Every tcx link pin in the directory (for a teardown that removes them all). */
    static List<Path> pins(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(PREFIX))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    static Path pin(Path dir, int endpointId, boolean fromContainer) {
        return dir.resolve(PREFIX + endpointId + (fromContainer ? "_from" : "_to"));
    }

    private static int first(int ifindex, int attachType) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flags = arena.allocate(JAVA_INT);
            MemorySegment ids = arena.allocate(JAVA_INT, 8);
            MemorySegment count = arena.allocate(JAVA_INT);
            count.set(JAVA_INT, 0, 8);
            int r = LibBpf.progQuery(ifindex, attachType, flags, ids, count);
            if (r < 0 || count.get(JAVA_INT, 0) == 0) {
                return 0;
            }
            return ids.get(JAVA_INT, 0);
        }
    }

    /** The link's device and attach type: {ifindex, attach_type}, ifindex 0 once the device is gone. */
    private static int[] linkInfo(int link, Path pin) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(LibBpf.LINK_INFO_SIZE, 8);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) LibBpf.LINK_INFO_SIZE);
            int r = LibBpf.objInfo(link, info, len);
            if (r < 0) {
                throw KernelDatapathException.failed("bpf_obj_get_info_by_fd(" + pin + ")", r);
            }
            return new int[] {info.get(JAVA_INT, 16), info.get(JAVA_INT, 20)};
        }
    }

    private static String hookName(int attachType) {
        return attachType == LibBpf.BPF_TCX_INGRESS ? "tcx ingress" : "tcx egress";
    }
}
