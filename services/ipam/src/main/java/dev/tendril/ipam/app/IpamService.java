package dev.tendril.ipam.app;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.ipam.app.IpamQueries.AllocationRow;
import dev.tendril.ipam.app.IpamQueries.NodeRow;
import dev.tendril.ipam.app.NodeRegistrations.NodeView;
import dev.tendril.ipam.app.PodAddresses.Allocation;
import dev.tendril.ipam.domain.IpamSettings;
import dev.tendril.ipam.domain.NodeNames;
import dev.tendril.ipam.domain.PoolSpec;
import dev.tendril.net.Cidr;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The IPAM application as the adapters see it: one object over its services (node registration,
 * pod addresses, expiry), which share one {@link CommandWriter} and so one group commit, and the
 * queries, answered from the read model so every replica answers the same. It owns the writer
 * threads: close it to stop them.
 */
public final class IpamService implements AutoCloseable {

    /** The cluster pool's stream: node CIDRs. */
    public static final String POOL_STREAM = "ipam/pool";
    /** A node's stream is this prefix and its name: registration and pod addresses. */
    public static final String NODE_STREAM_PREFIX = "node/";

    public static final int DEFAULT_WRITERS = 2;

    /** Use of one family's pool: node CIDRs (size, used, free) and pod addresses allocated. */
    public record PoolStatus(
            String family, List<String> cidrs, int nodeMask, long size, long used, long free, long podIpsAllocated) {}

    private final IpamQueries queries;
    private final IpamSettings settings;
    private final CommandWriter writer;
    private final NodeRegistrations registrations;
    private final PodAddresses pods;
    private final UnconfirmedExpiry expiry;

    public IpamService(IpamStore store, IpamQueries queries, IpamSettings settings, Clock clock, String cluster) {
        this(store, queries, settings, clock, cluster, DEFAULT_WRITERS);
    }

    /** {@code writers} threads group-commit commands; 0 runs each command in its caller. */
    public IpamService(
            IpamStore store, IpamQueries queries, IpamSettings settings, Clock clock, String cluster, int writers) {
        this.queries = queries;
        this.settings = settings;
        this.writer = new CommandWriter(store, settings, clock, writers);
        this.registrations = new NodeRegistrations(writer, cluster);
        this.pods = new PodAddresses(writer);
        this.expiry = new UnconfirmedExpiry(queries, pods, settings, clock);
    }

    @Override
    public void close() {
        writer.close();
    }

    public static String nodeStream(String node) {
        return NODE_STREAM_PREFIX + node;
    }

    public IpamSettings settings() {
        return settings;
    }

    // Commands: see the services for what each does.

    public NodeView registerNode(String name, List<String> ips) {
        return registrations.registerNode(name, ips);
    }

    public void deregisterNode(String name, boolean force) {
        registrations.deregisterNode(name, force);
    }

    public Allocation allocate(String node, String owner, String uid) {
        return pods.allocate(node, owner, uid);
    }

    public boolean release(String node, String ip, String uid) {
        return pods.release(node, ip, uid);
    }

    public List<String> releasePod(String node, String uid) {
        return pods.releasePod(node, uid, false);
    }

    public List<String> releasePod(String node, String uid, boolean rollback) {
        return pods.releasePod(node, uid, rollback);
    }

    public boolean releaseLeaked(String node, String ip, String uid) {
        return pods.releaseLeaked(node, ip, uid);
    }

    public void confirm(String node, String uid) {
        pods.confirm(node, uid);
    }

    public int expireUnconfirmed() {
        return expiry.expireUnconfirmed();
    }

    // Queries.

    public List<NodeRow> nodes() {
        return queries.nodes();
    }

    public NodeRow node(String name) {
        NodeNames.check(name);
        return queries.node(name).orElseThrow(() -> notRegistered(name));
    }

    public List<AllocationRow> allocations(String node) {
        NodeNames.check(node);
        return queries.allocations(node).orElseThrow(() -> notRegistered(node));
    }

    public List<AllocationRow> allAllocations() {
        return queries.allAllocations();
    }

    public List<PoolStatus> pools() {
        IpamQueries.Usage usage = queries.usage();
        List<PoolStatus> result = new ArrayList<>();
        for (PoolSpec spec : settings.pools()) {
            long used = usage.nodes().stream()
                    .flatMap(r -> r.podCidrs().stream())
                    .map(Cidr::parse)
                    .filter(c -> spec.indexOf(c) >= 0)
                    .count();
            long size = spec.nodeCidrCapacity();
            result.add(new PoolStatus(
                    spec.name(),
                    spec.cidrs().stream().map(Cidr::toString).toList(),
                    spec.nodeMask(),
                    size,
                    used,
                    size - used,
                    usage.allocatedPerFamily().getOrDefault(spec.name(), 0L)));
        }
        return result;
    }

    private static CommandRejectedException notRegistered(String node) {
        return CommandRejectedException.notFound("name", "node '" + node + "' is not registered");
    }
}
