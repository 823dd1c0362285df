package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tendril.agent.bpf.KernelBpfMap;
import dev.tendril.agent.state.NodeMapsReconciler;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * A node's kernel datapath: the programs of src/main/bpf loaded over the node's pin directory (the
 * agent's {@code <bpffs-dir>/<node>}, where {@code KernelMapBackend} pins ipcache, lxc and policy maps)
 * and attached to pods' host-side veths. Everything it sets up lives in the kernel, pinned or held by
 * tc: {@link #close} only closes this process's descriptors and the datapath goes on enforcing the
 * pinned maps (fail-static), and a new {@link #load} over the same directory takes over.
 *
 * <p>An endpoint is attached with its id, the host-side veth and that veth's network namespace: the
 * veth's ifindex is bound to the endpoint id ({@code tendril_ep_ifindex}), the endpoint's pinned
 * {@code cilium_policy_v2_<id>} (created empty if the agent has not yet) becomes its entry of
 * {@code tendril_policy_maps}, and the programs go on tc ingress (from-container) and egress
 * (to-container). A policy map that the agent deletes and creates again must be re-registered with
 * {@link #refreshPolicyMap}: the kernel holds the map object, not its pin.
 */
public final class KernelDatapath implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KernelDatapath.class.getName());

    /**
     * Where an endpoint's programs are attached; {@code netns} is null for this process's namespace. {@code addresses}
     * are the pod's (one per family at most), the only source or destination its veth lets through.
     */
    public record Attachment(
            int endpointId, Path netns, String interfaceName, int ifindex, List<InetAddress> addresses) {
        public Attachment {
            addresses = List.copyOf(addresses);
        }
    }

    /** The program ids tc runs on a veth's ingress (from-container) and egress (to-container), 0 for none. */
    public record AttachedPrograms(int fromContainer, int toContainer) {}

    private final Path dir;
    private final int fromContainer;
    private final int toContainer;
    private final int policyMaps;
    private final int endpointIfindex;
    private final Map<Integer, Attachment> attached = new ConcurrentHashMap<>();
    private final List<Integer> socketLbPrograms;
    /** Whether the programs go on the veths as tcx links (kernel 6.6+) rather than cls_bpf filters. */
    private final boolean tcx;

    private boolean closed;

    private KernelDatapath(
            Path dir, ProgramLoader.Programs programs, List<Integer> socketLbPrograms, boolean tcxWanted) {
        this.dir = dir;
        this.socketLbPrograms = socketLbPrograms;
        this.fromContainer = programs.fromContainer();
        this.toContainer = programs.toContainer();
        int policy = -1;
        int ifindex = -1;
        try {
            policy = Pins.open(dir.resolve(ProgramLoader.POLICY_MAPS));
            ifindex = Pins.open(dir.resolve(ProgramLoader.ENDPOINT_IFINDEX));
        } catch (RuntimeException e) {
            Pins.close(policy);
            Pins.close(programs.fromContainer());
            Pins.close(programs.toContainer());
            throw e;
        }
        this.policyMaps = policy;
        this.endpointIfindex = ifindex;
        this.tcx = tcxWanted && TcxLinks.supported(fromContainer);
        LOG.info(dir.getFileName() + ": programs attach to pods' veths "
                + (tcx
                        ? "as tcx links"
                        : tcxWanted ? "as cls_bpf filters (this kernel has no tcx)" : "as cls_bpf filters"));
    }

    /**
     * Why the kernel datapath cannot run in this process (platform, libbpf, the object missing from the
     * jar, privileges), or empty when it can try.
     */
    public static Optional<String> unavailableReason() {
        Optional<String> lib = LibBpf.problem();
        if (lib.isPresent()) {
            return lib;
        }
        if (ProgramLoader.objectBytes().isEmpty()) {
            return Optional.of(
                    "the agent was built without clang: no " + ProgramLoader.OBJECT_RESOURCE + " in its jar");
        }
        return KernelBpfMap.unavailableReason();
    }

    /**
     * Loads the programs over the maps pinned in {@code pinDir} (creating the missing ones) and pins the
     * programs there. Endpoints attached by an earlier load keep that load's programs until attached again.
     *
     * @throws KernelDatapathException when libbpf or the verifier refuses, with libbpf's log
     */
    public static KernelDatapath load(Path pinDir, KernelDatapathConfig config) {
        LibBpf.require();
        ProgramLoader.Programs programs = ProgramLoader.load(pinDir, config);
        List<Integer> socketLb;
        try {
            socketLb = loadSocketLb(pinDir, config);
        } catch (RuntimeException e) {
            Pins.close(programs.fromContainer());
            Pins.close(programs.toContainer());
            throw e;
        }
        return new KernelDatapath(pinDir, programs, socketLb, config.tcx());
    }

    /**
     * The socket load balancer at the root of the cgroup v2 hierarchy (SocketLb): its program ids, none when this
     * machine has no cgroup2 mount (Services then are not load-balanced by this node's kernel, said in the log).
     */
    private static List<Integer> loadSocketLb(Path pinDir, KernelDatapathConfig config) {
        Optional<Path> cgroup = SocketLb.cgroup2Root();
        if (cgroup.isEmpty()) {
            LOG.warning("no cgroup2 mount in /proc/self/mounts: socket load balancing (Services) is off on "
                    + pinDir.getFileName());
            return List.of();
        }
        List<Integer> ids = SocketLb.load(pinDir, cgroup.get(), config);
        LOG.info("socket load balancing of " + pinDir.getFileName() + " attached at " + cgroup.get() + ": programs "
                + ids);
        return ids;
    }

    /** The ids of the socket-LB programs this load attached; empty without a cgroup2 mount. */
    public List<Integer> socketLbProgramIds() {
        return socketLbPrograms;
    }

    /** The cgroup v2 root the socket-LB programs attach to, when this machine has one. */
    public static Optional<Path> cgroupRoot() {
        return SocketLb.cgroup2Root();
    }

    /** Every program attached at the cgroup {@code cgroup} for the socket-LB hooks, whoever attached it. */
    public static List<Integer> socketProgramsAttachedAt(Path cgroup) {
        return SocketLb.attachedAt(cgroup);
    }

    /**
     * Lets socket-LB translate the sockets of the network namespace at {@code netns} (null: this process's),
     * as those of {@code endpointId} (0 for the node's own namespace): its cookie, for {@link #forgetNetns}.
     */
    public synchronized long registerNetns(Path netns, int endpointId) {
        requireOpen();
        long cookie = Netns.cookie(netns);
        SocketLb.putNetns(dir, cookie, endpointId);
        return cookie;
    }

    /** Removes a namespace's entry of tendril_lb_netns: its sockets are no longer translated. */
    public synchronized void forgetNetns(long cookie) {
        requireOpen();
        SocketLb.deleteNetns(dir, cookie);
    }

    /** tendril_lb_netns: namespace cookie to endpoint id (0 the node). */
    public synchronized Map<Long, Integer> netnsEntries() {
        requireOpen();
        return SocketLb.netnsEntries(dir);
    }

    /**
     * Binds the veth {@code interfaceName} (in the namespace {@code netns}, null for this process's) to
     * {@code endpointId} and the pod's {@code addresses} (an IPv4 and an IPv6 address at most) and attaches both
     * programs; again for an attached endpoint, it replaces them in place. Packets pass only from (leaving) or to
     * (arriving) those addresses, and a new connection only while {@code cilium_lxc} maps the address to the same id.
     */
    public synchronized Attachment attach(
            int endpointId, Path netns, String interfaceName, List<InetAddress> addresses) {
        requireOpen();
        if (endpointId < 1 || endpointId >= ProgramLoader.ENDPOINT_SLOTS) {
            throw new IllegalArgumentException(
                    "endpointId must be 1.." + (ProgramLoader.ENDPOINT_SLOTS - 1) + ", got " + endpointId);
        }
        int ifindex = Netns.ifindex(netns, interfaceName);
        Attachment previous = attached.get(endpointId);
        if (previous != null && previous.ifindex() != ifindex) {
            detach(previous);
        }
        refreshPolicyMap(endpointId);
        IntMaps.bind(endpointIfindex, ifindex, endpointId, addresses);
        if (tcx) {
            TcxLinks.attach(dir, netns, ifindex, endpointId, fromContainer, toContainer);
            if (previous == null) {
                // Filters an agent without tcx left (an upgrade): the tcx programs already decide before them.
                TcFilters.detach(netns, ifindex);
            }
        } else {
            TcFilters.attach(netns, ifindex, fromContainer, toContainer);
        }
        Attachment a = new Attachment(endpointId, netns, interfaceName, ifindex, addresses);
        attached.put(endpointId, a);
        return a;
    }

    /** Removes the endpoint's programs and its entries of tendril_ep_ifindex and tendril_policy_maps. */
    public synchronized void detach(Attachment a) {
        requireOpen();
        if (tcx) {
            TcxLinks.detach(dir, a.endpointId());
        } else {
            TcFilters.detach(a.netns(), a.ifindex());
        }
        IntMaps.delete(endpointIfindex, a.ifindex());
        IntMaps.delete(policyMaps, a.endpointId());
        attached.remove(a.endpointId(), a);
    }

    /**
     * Points the endpoint's entry of {@code tendril_policy_maps} at the map pinned as
     * {@code cilium_policy_v2_<id>} now, creating that map empty (the agent's layout and size) when the
     * agent has not yet.
     */
    public synchronized void refreshPolicyMap(int endpointId) {
        requireOpen();
        Path pin = dir.resolve(NodeMapsReconciler.POLICY_MAP_PREFIX + endpointId);
        if (!Files.exists(pin)) {
            KernelBpfMap.createOrOpenPinned(pin, NodeMapsReconciler.policySpec(endpointId))
                    .close();
        }
        int fd = Pins.open(pin);
        try {
            IntMaps.put(policyMaps, endpointId, fd, "tendril_policy_maps");
        } finally {
            Pins.close(fd);
        }
    }

    /** The program ids tc runs on the attachment's veth (0 where none), for checks and `bpftool net show`. */
    public AttachedPrograms programsAt(Attachment a) {
        return tcx ? TcxLinks.query(a.netns(), a.ifindex()) : TcFilters.query(a.netns(), a.ifindex());
    }

    /**
     * The programs on the tc hooks of the device {@code interfaceName} in the namespace at {@code netns} (null: this
     * process's), whoever attached them: tcx links first, else cls_bpf filters (0 where a hook has none). Empty when
     * the namespace has no such device.
     */
    public static Optional<AttachedPrograms> programsOn(Path netns, String interfaceName) {
        LibBpf.require();
        int ifindex;
        try {
            ifindex = Netns.ifindex(netns, interfaceName);
        } catch (KernelDatapathException e) {
            return Optional.empty();
        }
        AttachedPrograms links = TcxLinks.query(netns, ifindex);
        AttachedPrograms filters = TcFilters.query(netns, ifindex);
        return Optional.of(new AttachedPrograms(
                links.fromContainer() != 0 ? links.fromContainer() : filters.fromContainer(),
                links.toContainer() != 0 ? links.toContainer() : filters.toContainer()));
    }

    /** How the programs are attached to pods' veths: {@code tcx} (BPF links, kernel 6.6+) or {@code tc} (cls_bpf). */
    public String attachMode() {
        return tcx ? "tcx" : "tc";
    }

    /** The ids of the programs this load pinned: from-container, to-container. */
    public List<Integer> programIds() {
        return List.of(Pins.id(fromContainer), Pins.id(toContainer));
    }

    public List<Attachment> attachments() {
        return List.copyOf(attached.values());
    }

    /** Starts reading verdict events into {@code consumer}; close the reader to stop. */
    public VerdictEventReader events(Consumer<VerdictEvent> consumer) {
        requireOpen();
        return new VerdictEventReader(dir.resolve(ProgramLoader.EVENTS), consumer);
    }

    /** Events the programs could not put on a full ring buffer, since the ring was created. */
    public long lostEvents() {
        Path pin = dir.resolve(ProgramLoader.EVENTS_LOST);
        int fd = Pins.open(pin);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(JAVA_LONG);
            int r = LibBpf.mapLookup(fd, key, value);
            if (r < 0) {
                throw KernelDatapathException.failed("lookup in " + pin, r);
            }
            return value.get(JAVA_LONG, 0);
        } finally {
            Pins.close(fd);
        }
    }

    /** Every connection-tracking entry of the four CT maps. */
    public List<Conntrack.Entry> conntrack() {
        return Conntrack.dump(dir, ProgramLoader.CT_MAPS);
    }

    /** Deletes every connection-tracking entry (Cilium's {@code bpf ct flush}): the number deleted. */
    public int flushConntrack() {
        return Conntrack.flush(dir, ProgramLoader.CT_MAPS);
    }

    /**
     * Deletes the connection-tracking entries whose lifetime has passed (Cilium's CT garbage collection):
     * the number deleted. The agent runs it on an interval; without it, expired entries keep their slots
     * until the map is full.
     */
    public int collectExpiredConntrack() {
        return collectExpiredConntrack(monotonicSeconds());
    }

    /** The same as of {@code nowSeconds} of CLOCK_MONOTONIC. */
    public int collectExpiredConntrack(long nowSeconds) {
        return Conntrack.collectExpired(dir, ProgramLoader.CT_MAPS, nowSeconds);
    }

    /**
     * Now in seconds of CLOCK_MONOTONIC, the clock of the programs' {@code bpf_ktime_get_ns()}: on Linux the
     * JVM's {@link System#nanoTime()} reads the same clock.
     */
    public static long monotonicSeconds() {
        return System.nanoTime() / 1_000_000_000L;
    }

    /** Closes this process's descriptors only: programs stay attached, maps pinned, enforcement goes on. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int fd : new int[] {fromContainer, toContainer, policyMaps, endpointIfindex}) {
            Pins.close(fd);
        }
    }

    /**
     * Unpins everything this datapath pinned in its directory (programs, the pods' tcx links, which detaches them,
     * CT, ring buffer, tendril_*, the socket-LB links, which detaches those programs from the cgroup), leaving the agent's maps; with no
     * filter attached any more, the kernel then frees them.
     */
    public static void unpinAll(Path pinDir) {
        TcxLinks.detachAll(pinDir);
        for (String name : List.of(
                ProgramLoader.FROM_CONTAINER,
                ProgramLoader.TO_CONTAINER,
                ProgramLoader.POLICY_MAPS,
                ProgramLoader.ENDPOINT_IFINDEX,
                ProgramLoader.EVENTS,
                ProgramLoader.EVENTS_LOST)) {
            Pins.unpin(pinDir.resolve(name));
        }
        ProgramLoader.CT_MAPS.forEach(m -> Pins.unpin(pinDir.resolve(m)));
        SocketLb.unpin(pinDir);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("kernel datapath handle for " + dir + " is closed");
        }
    }
}
