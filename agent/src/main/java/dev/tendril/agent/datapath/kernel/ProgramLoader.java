package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.UncheckedIOException;
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
    private static final int CONFIG_F_CT_ACCOUNTING = 2;

    /** The two programs, by fds of their pins (owned by the caller). */
    record Programs(int fromContainer, int toContainer) {}

    private ProgramLoader() {}

    /** The object the Maven build compiled into this jar, or empty when clang was missing then. */
    static Optional<byte[]> objectBytes() {
        return BpfObject.bytes(OBJECT_RESOURCE);
    }

    static Programs load(Path dir, KernelDatapathConfig config) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + " (is it on a bpffs mount?)", e);
        }
        return BpfObject.load(OBJECT_RESOURCE, object -> prepareMaps(object, dir, config), object -> {
            int from = pinProgram(object, dir, FROM_CONTAINER);
            int to = pinProgram(object, dir, TO_CONTAINER);
            return new Programs(from, to);
        });
    }

    private static void prepareMaps(BpfObject object, Path dir, KernelDatapathConfig config) {
        Path ipcache = dir.resolve(IPCACHE);
        if (!Files.exists(dir.resolve(IPCACHE_HOSTS)) && Files.exists(ipcache)) {
            object.setMaxEntries(IPCACHE_HOSTS, Pins.mapInfo(ipcache).maxEntries());
        }
        for (String name : List.of(IPCACHE, IPCACHE_HOSTS, LXC)) {
            object.reuseOrPin(name, dir);
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
            Path pin = dir.resolve(e.getKey());
            object.setMaxEntries(e.getKey(), e.getValue());
            if (Files.exists(pin)) {
                Pins.MapInfo found = Pins.mapInfo(pin);
                int[] declared = LibBpf.declaredShape(object.map(e.getKey()));
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
            object.pinAt(e.getKey(), pin);
        }
        MemorySegment cfg = object.arena().allocate(CONFIG_SIZE, 8);
        cfg.set(JAVA_INT, 0, (int) config.worldIpv4());
        cfg.set(JAVA_INT, 4, (int) config.worldIpv6());
        cfg.set(
                JAVA_INT,
                8,
                (config.reportForwarded() ? CONFIG_F_REPORT_FORWARDED : 0)
                        | (config.conntrackAccounting() ? CONFIG_F_CT_ACCOUNTING : 0));
        BpfObject.check(
                "bpf_map__set_initial_value(.rodata)", LibBpf.setInitialValue(object.map(".rodata"), cfg, CONFIG_SIZE));
    }

    /** Pins the program at {@code dir/name}, replacing an older pin in one rename; returns an fd of the pin. */
    private static int pinProgram(BpfObject object, Path dir, String name) {
        int fd = LibBpf.programFd(object.program(name));
        Path pin = dir.resolve(name);
        // bpffs refuses names with a dot, so the temporary pin is name_new_<pid>.
        Path fresh = dir.resolve(name + "_new_" + ProcessHandle.current().pid());
        Pins.unpin(fresh);
        BpfObject.check("bpf_obj_pin(" + fresh + ")", LibBpf.objPin(fd, object.cString(fresh.toString())));
        try {
            Files.move(fresh, pin, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Pins.unpin(fresh);
            throw new UncheckedIOException("cannot rename " + fresh + " to " + pin, e);
        }
        return Pins.open(pin);
    }
}
