package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Loads the clang-built object (the jar's {@code bpf/tendril_lxc.o}) with libbpf over a node's pin
 * directory, and pins its two programs there:
 *
 * <ul>
 *   <li>the agent's maps ({@code cilium_ipcache_v2} with its host hash {@code tendril_ipcache_hosts},
 *       {@code cilium_lxc}) are reused as pinned, whatever their size; absent, libbpf creates and pins them
 *       with the agent's layout and default size (the host hash with the pinned ipcache's size);</li>
 *   <li>the datapath's own maps (CT, ring buffer, tendril_*) are reused when pinned with the configured
 *       shape, and otherwise (first load, or a size changed) created and pinned anew;</li>
 *   <li>the programs are pinned under a temporary name and renamed over the old pins, so the pins always
 *       name a loaded program; filters attached earlier keep their program until re-attached.</li>
 * </ul>
 */
final class ProgramLoader {
    private static final Logger LOG = Logger.getLogger(ProgramLoader.class);

    static final String OBJECT_RESOURCE = "/bpf/tendril_lxc.o";
    static final String FROM_CONTAINER = "tendril_from_container";
    static final String TO_CONTAINER = "tendril_to_container";
    static final String IPCACHE = "cilium_ipcache_v2";
    static final String IPCACHE_HOSTS = "tendril_ipcache_hosts";
    static final String LXC = "cilium_lxc";
    static final String POLICY_MAPS = "tendril_policy_maps";
    static final String ENDPOINT_IFINDEX = "tendril_ep_ifindex";
    static final String EVENTS = "tendril_events";
    static final String EVENTS_LOST = "tendril_events_lost";
    static final List<String> CT_MAPS =
            List.of("cilium_ct4_global", "cilium_ct_any4_global", "cilium_ct6_global", "cilium_ct_any6_global");
    /** Endpoint ids are 1..4095 (EndpointIds), one entry each. */
    static final int ENDPOINT_SLOTS = 4096;

    private static final long CONFIG_SIZE = 16;
    private static final int CONFIG_F_REPORT_FORWARDED = 1;

    /** The two programs, by fds of their pins (owned by the caller). */
    record Programs(int fromContainer, int toContainer) {}

    private ProgramLoader() {}

    /** The object the Maven build compiled into this jar, or empty when clang was missing then. */
    static Optional<byte[]> objectBytes() {
        try (InputStream in = ProgramLoader.class.getResourceAsStream(OBJECT_RESOURCE)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Programs load(Path dir, KernelDatapathConfig config) {
        byte[] elf = objectBytes()
                .orElseThrow(() -> new KernelDatapathException(
                        "no " + OBJECT_RESOURCE + " in the agent's jar: clang was missing when it was built"));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + " (is it on a bpffs mount?)", e);
        }
        return LibbpfLog.capturing(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment capture = LibC.capture(arena);
                MemorySegment buf = arena.allocate(elf.length, 8);
                MemorySegment.copy(elf, 0, buf, JAVA_BYTE, 0, elf.length);
                MemorySegment opts = arena.allocate(LibBpf.OPEN_OPTS_SIZE, 8);
                opts.set(JAVA_LONG, 0, LibBpf.OPEN_OPTS_SIZE);
                opts.set(ADDRESS, 8, LibBpf.cString(arena, "tendril_lxc"));
                MemorySegment obj = LibBpf.openMem(capture, buf, elf.length, opts);
                if (obj.equals(MemorySegment.NULL)) {
                    throw failure("bpf_object__open_mem", -LibC.errno(capture));
                }
                try {
                    prepareMaps(arena, obj, dir, config);
                    int r = LibBpf.load(obj);
                    if (r < 0) {
                        throw failure("bpf_object__load", r);
                    }
                    int from = pinProgram(arena, obj, dir, FROM_CONTAINER);
                    int to = pinProgram(arena, obj, dir, TO_CONTAINER);
                    return new Programs(from, to);
                } finally {
                    LibBpf.closeObject(obj);
                }
            }
        });
    }

    private static void prepareMaps(Arena arena, MemorySegment obj, Path dir, KernelDatapathConfig config) {
        for (String name : List.of(IPCACHE, IPCACHE_HOSTS, LXC)) {
            MemorySegment map = map(arena, obj, name);
            Path pin = dir.resolve(name);
            Path ipcache = dir.resolve(IPCACHE);
            if (name.equals(IPCACHE_HOSTS) && !Files.exists(pin) && Files.exists(ipcache)) {
                int entries = Pins.mapInfo(ipcache).maxEntries();
                check("bpf_map__set_max_entries(" + name + ")", LibBpf.setMaxEntries(map, entries));
            }
            if (Files.exists(pin)) {
                int fd = Pins.open(pin);
                try {
                    check("bpf_map__reuse_fd(" + name + ")", LibBpf.reuseFd(map, fd));
                } finally {
                    Pins.close(fd);
                }
            } else {
                check(
                        "bpf_map__set_pin_path(" + name + ")",
                        LibBpf.setPinPath(map, LibBpf.cString(arena, pin.toString())));
            }
        }
        Map<String, Integer> own = new LinkedHashMap<>();
        own.put(POLICY_MAPS, ENDPOINT_SLOTS);
        own.put(ENDPOINT_IFINDEX, ENDPOINT_SLOTS);
        own.put(EVENTS, config.ringBufferBytes());
        own.put(EVENTS_LOST, 1);
        own.put(CT_MAPS.get(0), config.ctTcpEntries());
        own.put(CT_MAPS.get(1), config.ctAnyEntries());
        own.put(CT_MAPS.get(2), config.ctTcpEntries());
        own.put(CT_MAPS.get(3), config.ctAnyEntries());
        for (var e : own.entrySet()) {
            MemorySegment map = map(arena, obj, e.getKey());
            Path pin = dir.resolve(e.getKey());
            check("bpf_map__set_max_entries(" + e.getKey() + ")", LibBpf.setMaxEntries(map, e.getValue()));
            if (Files.exists(pin)) {
                Pins.MapInfo found = Pins.mapInfo(pin);
                int[] declared = LibBpf.declaredShape(map);
                if (found.type() != declared[0]
                        || found.keySize() != declared[1]
                        || found.valueSize() != declared[2]
                        || found.maxEntries() != e.getValue()) {
                    LOG.infof(
                            "%s: pinned as %s, wanted %d entries of type %d (%d/%d B): recreating it empty",
                            pin, found, e.getValue(), declared[0], declared[1], declared[2]);
                    Pins.unpin(pin);
                }
            }
            check(
                    "bpf_map__set_pin_path(" + e.getKey() + ")",
                    LibBpf.setPinPath(map, LibBpf.cString(arena, pin.toString())));
        }
        MemorySegment rodata = map(arena, obj, ".rodata");
        MemorySegment cfg = arena.allocate(CONFIG_SIZE, 8);
        cfg.set(JAVA_INT, 0, (int) config.worldIpv4());
        cfg.set(JAVA_INT, 4, (int) config.worldIpv6());
        cfg.set(JAVA_INT, 8, config.reportForwarded() ? CONFIG_F_REPORT_FORWARDED : 0);
        check("bpf_map__set_initial_value(.rodata)", LibBpf.setInitialValue(rodata, cfg, CONFIG_SIZE));
    }

    private static MemorySegment map(Arena arena, MemorySegment obj, String name) {
        MemorySegment map = LibBpf.findMap(obj, LibBpf.cString(arena, name));
        if (map.equals(MemorySegment.NULL)) {
            throw new KernelDatapathException(OBJECT_RESOURCE + " has no map " + name);
        }
        return map;
    }

    /** Pins the program at {@code dir/name}, replacing an older pin in one rename; returns an fd of the pin. */
    private static int pinProgram(Arena arena, MemorySegment obj, Path dir, String name) {
        MemorySegment program = LibBpf.findProgram(obj, LibBpf.cString(arena, name));
        if (program.equals(MemorySegment.NULL)) {
            throw new KernelDatapathException(OBJECT_RESOURCE + " has no program " + name);
        }
        int fd = LibBpf.programFd(program);
        Path pin = dir.resolve(name);
        // bpffs refuses names with a dot, so the temporary pin is name_new_<pid>.
        Path fresh = dir.resolve(name + "_new_" + ProcessHandle.current().pid());
        Pins.unpin(fresh);
        check("bpf_obj_pin(" + fresh + ")", LibBpf.objPin(fd, LibBpf.cString(arena, fresh.toString())));
        try {
            Files.move(fresh, pin, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Pins.unpin(fresh);
            throw new UncheckedIOException("cannot rename " + fresh + " to " + pin, e);
        }
        return Pins.open(pin);
    }

    private static void check(String what, int result) {
        if (result < 0) {
            throw failure(what, result);
        }
    }

    private static KernelDatapathException failure(String what, int result) {
        String log = LibbpfLog.captured();
        KernelDatapathException e = KernelDatapathException.failed(what, result);
        return log.isEmpty() ? e : new KernelDatapathException(e.getMessage() + "; libbpf said:\n" + log);
    }
}
