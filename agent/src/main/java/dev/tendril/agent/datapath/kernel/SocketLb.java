package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The socket load balancer (the jar's {@code bpf/tendril_sock.o}, src/main/bpf/tendril_sock.c): loads its eight
 * cgroup programs over a node's pin directory and attaches each to the root of the cgroup v2 hierarchy with a BPF
 * link (links run alongside other programs, as BPF_F_ALLOW_MULTI attachments do), pinned there as
 * {@code link_<program>}. A later load over the same directory swaps the new programs into the pinned links
 * (BPF_LINK_UPDATE), so an agent restart never detaches nor attaches twice; unpinning the links (the node's
 * teardown, {@code Fabric.removeAll}, deploy's FabricTeardown deleting the directory) detaches them.
 *
 * <p>Maps: every map the object declares is reused when pinned (the agent's ipcache and LB maps, the tc object's
 * ring buffer) and otherwise created and pinned by its name; the ring buffer takes the configured size then.
 */
final class SocketLb {
    private static final Logger LOG = Logger.getLogger(SocketLb.class);

    static final String OBJECT_RESOURCE = "/bpf/tendril_sock.o";
    static final String NETNS = "tendril_lb_netns";
    static final String LINK_PREFIX = "link_";

    /** Program name to its cgroup attach type (enum bpf_attach_type). */
    static final Map<String, Integer> PROGRAMS = programs();

    static final List<String> MAPS = List.of(
            ProgramLoader.IPCACHE,
            ProgramLoader.EVENTS,
            ProgramLoader.EVENTS_LOST,
            "cilium_lb4_services_v2",
            "cilium_lb6_services_v2",
            "cilium_lb4_backends_v3",
            "cilium_lb6_backends_v3",
            "cilium_lb4_affinity",
            "cilium_lb6_affinity",
            "cilium_lb4_reverse_sk",
            "cilium_lb6_reverse_sk",
            NETNS);

    private SocketLb() {}

    private static Map<String, Integer> programs() {
        Map<String, Integer> p = new LinkedHashMap<>();
        p.put("tendril_sock4_connect", 10);
        p.put("tendril_sock6_connect", 11);
        p.put("tendril_sock4_sendmsg", 14);
        p.put("tendril_sock6_sendmsg", 15);
        p.put("tendril_sock4_recvmsg", 19);
        p.put("tendril_sock6_recvmsg", 20);
        p.put("tendril_sock4_getpeername", 29);
        p.put("tendril_sock6_getpeername", 30);
        return Map.copyOf(p);
    }

    static Optional<byte[]> objectBytes() {
        return BpfObject.bytes(OBJECT_RESOURCE);
    }

    /** The mount point of the cgroup v2 hierarchy ({@code /sys/fs/cgroup} or, hybrid, {@code .../unified}). */
    static Optional<Path> cgroup2Root() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .map(l -> l.split(" "))
                    .filter(f -> f.length > 2 && f[2].equals("cgroup2"))
                    .map(f -> Path.of(f[1]))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Loads the programs over {@code dir} and attaches (or re-attaches) them at {@code cgroup}: the loaded programs'
     * ids.
     */
    static List<Integer> load(Path dir, Path cgroup, KernelDatapathConfig config) {
        return BpfObject.load(OBJECT_RESOURCE, object -> prepareMaps(object, dir, config), object -> {
            MemorySegment capture = LibC.capture(object.arena());
            int cgroupFd = LibC.openReadOnly(capture, object.cString(cgroup.toString()));
            if (cgroupFd < 0) {
                throw new KernelDatapathException(
                        "cannot open " + cgroup + ": " + LibBpf.errnoName(LibC.errno(capture)));
            }
            try {
                List<Integer> ids = new ArrayList<>();
                for (String name : PROGRAMS.keySet().stream().sorted().toList()) {
                    ids.add(attach(object, dir, name, cgroupFd));
                }
                return List.copyOf(ids);
            } finally {
                LibC.close(capture, cgroupFd);
            }
        });
    }

    private static void prepareMaps(BpfObject object, Path dir, KernelDatapathConfig config) {
        for (String name : MAPS) {
            if (name.equals(ProgramLoader.EVENTS) && !Files.exists(dir.resolve(name))) {
                object.setMaxEntries(name, config.ringBufferBytes());
            }
            object.reuseOrPin(name, dir);
        }
    }

    /** Attaches one program through its pinned link (updated in place) or a new pinned link: its id. */
    private static int attach(BpfObject object, Path dir, String name, int cgroupFd) {
        MemorySegment program = object.program(name);
        int programFd = LibBpf.programFd(program);
        Path pin = dir.resolve(LINK_PREFIX + name);
        if (Files.exists(pin)) {
            int linkFd = Pins.open(pin);
            try {
                int r = LibBpf.linkUpdate(linkFd, programFd);
                if (r >= 0) {
                    return Pins.id(programFd);
                }
                // A link whose cgroup is gone (another cgroup2 mount since) cannot take a program: start anew.
                LOG.infof("%s: updating the pinned link failed (%s): attaching anew", pin, LibBpf.errnoName(-r));
            } finally {
                Pins.close(linkFd);
            }
            Pins.unpin(pin);
        }
        MemorySegment capture = LibC.capture(object.arena());
        MemorySegment link = LibBpf.attachCgroup(capture, program, cgroupFd);
        if (link.equals(MemorySegment.NULL)) {
            throw BpfObject.failure("bpf_program__attach_cgroup(" + name + ")", -LibC.errno(capture));
        }
        try {
            BpfObject.check("bpf_link__pin(" + pin + ")", LibBpf.linkPin(link, object.cString(pin.toString())));
        } finally {
            // Closes this process's fd only: the pin keeps the link, and with it the attachment.
            LibBpf.linkDestroy(link);
        }
        return Pins.id(programFd);
    }

    /** Detaches the programs (unpins their links) and unpins tendril_lb_netns. */
    static void unpin(Path dir) {
        PROGRAMS.keySet().forEach(name -> Pins.unpin(dir.resolve(LINK_PREFIX + name)));
        Pins.unpin(dir.resolve(NETNS));
    }

    /** tendril_lb_netns[cookie] = endpointId. */
    static void putNetns(Path dir, long cookie, int endpointId) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(JAVA_LONG);
            MemorySegment v = arena.allocate(JAVA_INT);
            k.set(JAVA_LONG, 0, cookie);
            v.set(JAVA_INT, 0, endpointId);
            int fd = Pins.open(dir.resolve(NETNS));
            try {
                int r = LibBpf.mapUpdate(fd, k, v, LibBpf.BPF_ANY);
                if (r < 0) {
                    throw KernelDatapathException.failed("update of " + NETNS + "[" + cookie + "]", r);
                }
            } finally {
                Pins.close(fd);
            }
        }
    }

    static void deleteNetns(Path dir, long cookie) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(JAVA_LONG);
            k.set(JAVA_LONG, 0, cookie);
            int fd = Pins.open(dir.resolve(NETNS));
            try {
                LibBpf.mapDelete(fd, k);
            } finally {
                Pins.close(fd);
            }
        }
    }

    static Map<Long, Integer> netnsEntries(Path dir) {
        Map<Long, Integer> out = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_LONG);
            MemorySegment next = arena.allocate(JAVA_LONG);
            MemorySegment value = arena.allocate(JAVA_INT);
            int fd = Pins.open(dir.resolve(NETNS));
            try {
                MemorySegment at = MemorySegment.NULL;
                while (LibBpf.mapNextKey(fd, at, next) == 0) {
                    if (LibBpf.mapLookup(fd, next, value) == 0) {
                        out.put(next.get(JAVA_LONG, 0), value.get(JAVA_INT, 0));
                    }
                    MemorySegment.copy(next, 0, key, 0, 8);
                    at = key;
                }
            } finally {
                Pins.close(fd);
            }
        }
        return out;
    }

    /** The ids of every program attached at {@code cgroup} itself for the socket-LB hooks (anyone's). */
    static List<Integer> attachedAt(Path cgroup) {
        List<Integer> ids = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = LibC.capture(arena);
            int fd = LibC.openReadOnly(capture, LibBpf.cString(arena, cgroup.toString()));
            if (fd < 0) {
                throw new KernelDatapathException(
                        "cannot open " + cgroup + ": " + LibBpf.errnoName(LibC.errno(capture)));
            }
            try {
                MemorySegment flags = arena.allocate(JAVA_INT);
                MemorySegment list = arena.allocate(JAVA_INT, 256);
                MemorySegment count = arena.allocate(JAVA_INT);
                for (int type : PROGRAMS.values()) {
                    count.set(JAVA_INT, 0, 256);
                    int r = LibBpf.progQuery(fd, type, flags, list, count);
                    if (r < 0) {
                        throw KernelDatapathException.failed("bpf_prog_query(" + cgroup + ", " + type + ")", r);
                    }
                    for (int i = 0; i < count.get(JAVA_INT, 0); i++) {
                        ids.add(list.getAtIndex(JAVA_INT, i));
                    }
                }
            } finally {
                LibC.close(capture, fd);
            }
        }
        return ids;
    }
}
