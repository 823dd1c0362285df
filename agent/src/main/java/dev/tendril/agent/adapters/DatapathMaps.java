package dev.tendril.agent.adapters;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.endpoint.LocalMaps;
import dev.tendril.agent.state.EndpointsMap;
import dev.tendril.agent.state.ImagePublisher;
import dev.tendril.agent.state.IpcacheDriftCheck;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.LocalEndpointTable;
import dev.tendril.agent.state.MapBackend;
import dev.tendril.agent.state.MapReconciler;
import dev.tendril.agent.state.NodeDelta;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.agent.state.NodeMapsWriter;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.maps.BpfMap;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The node's maps on the configured backend ({@code tendril.agent.datapath}) and the table of local
 * endpoints, persisted in the state directory. Every map write goes through this bean's lock: the state
 * consumer's reconciles, the periodic one and the endpoint API's. Opened at start-up so that a map of
 * the wrong shape pinned by an older version stops the agent at once.
 *
 * <p>Longer than 400 lines: every map write goes through this bean's lock, the ClusterMesh peers' ipcache
 * writes and their conflict accounting included; splitting them off would split the lock.
 */
@Startup
@ApplicationScoped
public class DatapathMaps implements LocalMaps, ImagePublisher {

    /** Kept for callers of the ipcache's name. */
    public static final String IPCACHE = NodeMapsReconciler.IPCACHE_MAP;

    private static final List<String> MAP_KINDS =
            List.of(IPCACHE, EndpointsMap.NAME, NodeMapsReconciler.POLICY_MAPS, NodeMapsWriter.LB_MAPS);

    private static final Logger LOG = Logger.getLogger(DatapathMaps.class);

    @Inject
    AgentConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    ObjectMapper json;

    private MapBackend backend;
    // What the maps hold as last written; guarded by this bean's lock like every write.
    private NodeMapsWriter writer;
    private BpfMap ipcache;
    private LocalEndpointTable table;
    private Path stateFile;
    private long persisted = -1;
    private String backendReason;
    private Supplier<Optional<NodeImage>> image = Optional::empty;
    private final Map<String, Counter> changes = new HashMap<>();
    private final Map<String, Counter> reconciles = new HashMap<>();
    private final Map<String, Counter> mapFull = new HashMap<>();
    private Counter meshConflicts;
    private volatile NodeMapsWriter.Entries entries = new NodeMapsWriter.Entries(0, 0, 0, 0);
    private volatile int lbEntries;
    private volatile NodeMapsReconciler.Outcome lastOutcome;
    private volatile Runnable goneUpstreamHandler;
    private volatile BiConsumer<NodeImage, NodeMapsReconciler.Outcome> passListener = (i, o) -> {};
    private final AtomicBoolean finishing = new AtomicBoolean();
    private ExecutorService finisher;

    /**
     * The same maps outside CDI, e.g. one of many simulated agents in one JVM
     * ({@code dev.tendril.agent.sim}); {@code backend} replaces the configured one.
     */
    public static DatapathMaps open(AgentConfig config, MeterRegistry registry, ObjectMapper json, MapBackend backend) {
        DatapathMaps maps = new DatapathMaps();
        maps.config = config;
        maps.registry = registry;
        maps.json = json;
        maps.backend = backend;
        maps.backendReason = "given: " + backend.describe();
        maps.open();
        return maps;
    }

    @PostConstruct
    void open() {
        if (backend == null) {
            MapBackendChoice choice = MapBackendChoice.choose(config);
            backend = choice.backend();
            backendReason = choice.reason();
        }
        ipcache = backend.openOrCreate(NodeMapsReconciler.ipcacheSpec());
        writer = new NodeMapsWriter(backend, config.nodeName());
        stateFile = config.stateDir().resolve(config.nodeName()).resolve("endpoints.json");
        table = new LocalEndpointTable(config.nodeName(), load());
        for (String map : MAP_KINDS) {
            for (String kind : List.of("added", "updated", "removed")) {
                changes.put(
                        map + "/" + kind,
                        Counter.builder("tendril.agent.reconcile.changes")
                                .description("Entries a reconcile added, updated or removed in a node map")
                                .tag("map", map)
                                .tag("kind", kind)
                                .register(registry));
            }
            mapFull.put(
                    map,
                    Counter.builder("tendril.agent.map.full")
                            .description(
                                    "Reconciles whose writes into a node map failed because it was full (max_entries)")
                            .tag("map", map)
                            .register(registry));
            Gauge.builder("tendril.agent.map.entries", this, m -> m.entries(map))
                    .description("Entries in the node's maps (all policy maps together)")
                    .tag("map", map)
                    .register(registry);
        }
        Gauge.builder("tendril.agent.policy.maps", this, m -> m.entries.policyMaps())
                .description("Policy maps of local endpoints")
                .register(registry);
        meshConflicts = Counter.builder("tendril.agent.mesh.conflicts")
                .description("Ipcache keys a ClusterMesh peer claimed while a local node or endpoint held them"
                        + " (the local entry won), counted per batch that touched them")
                .register(registry);
        for (String trigger : List.of("bootstrap", "delta", "periodic", "endpoint", "mesh")) {
            reconciles.put(
                    trigger,
                    Counter.builder("tendril.agent.reconciles")
                            .description("Reconcile passes by what triggered them")
                            .tag("trigger", trigger)
                            .register(registry));
        }
    }

    /** The image the maps were last written from; empty before the bootstrap. */
    public Optional<NodeImage> image() {
        return image.get();
    }

    /** Where the state consumer's image comes from; set once it starts. */
    void imageSource(Supplier<Optional<NodeImage>> source) {
        this.image = source;
    }

    public BpfMap ipcache() {
        return ipcache;
    }

    public MapBackend backend() {
        return backend;
    }

    public String backendReason() {
        return backendReason;
    }

    public LocalEndpointTable table() {
        return table;
    }

    public Optional<NodeMapsReconciler.Outcome> lastOutcome() {
        return Optional.ofNullable(lastOutcome);
    }

    /** The local endpoints as the maps serve them, for an image (the current one when empty). */
    public synchronized List<LocalEndpoint> localEndpoints() {
        return image.get().map(table::resolve).orElseGet(() -> table.snapshot().registered());
    }

    /** True once the maps may be written: the first bootstrap is done (or sync is off). */
    public boolean writable() {
        return image.get().isPresent();
    }

    /**
     * Diffs every map (or only the local ones) against the desired state of {@code image} and corrects it.
     *
     * @param trigger bootstrap, delta, periodic or endpoint (the metric tag)
     */
    public synchronized NodeMapsReconciler.Outcome reconcile(NodeImage image, boolean withIpcache, String trigger) {
        return reconcile(image, null, trigger, false, locals -> writer.reconcile(image, locals, withIpcache));
    }

    /**
     * A full pass against the current image. The ipcache's part, which is most of the work at scale (300,000
     * entries encoded, read back and compared), runs off the lock, so batches are written meanwhile: its
     * corrections leave alone the keys those batches wrote (see {@link IpcacheDriftCheck}). The local maps are
     * corrected under the lock, against the image current then.
     */
    public Optional<NodeMapsReconciler.Outcome> reconcileCurrent(String trigger) {
        IpcacheDriftCheck check;
        synchronized (this) {
            Optional<NodeImage> now = image.get();
            if (now.isEmpty()) {
                return Optional.empty();
            }
            check = writer.beginIpcacheCheck(now.get());
            if (check == null) {
                return Optional.of(reconcile(now.get(), true, trigger));
            }
        }
        try {
            check.diff();
        } catch (RuntimeException e) {
            synchronized (this) {
                // Reading the map back failed: the whole pass under the lock reports it as a full pass would.
                return image.get().map(now -> reconcile(now, true, trigger));
            }
        }
        synchronized (this) {
            return image.get()
                    .map(now -> reconcile(now, null, trigger, false, locals -> writer.reconcile(now, locals, check)));
        }
    }

    /**
     * The consumer's whole image (its bootstrap): every map diffed against it. {@code image} is
     * the consumer's newest: API endpoints it no longer shows after it had shown them were deleted upstream
     * (see {@link LocalEndpointTable#resolveLatest}).
     */
    @Override
    public synchronized NodeMapsReconciler.Outcome publish(NodeImage image) {
        return reconcile(image, null, "bootstrap", true, locals -> writer.snapshot(image, locals));
    }

    /** The consumer's next image after a batch: only the entries the batch changed are written. */
    @Override
    public synchronized NodeMapsReconciler.Outcome publish(NodeDelta delta, NodeImage image) {
        return reconcile(image, delta, "delta", true, locals -> writer.publish(delta, image, locals));
    }

    /**
     * A ClusterMesh peer's next image (a bootstrap is a delta from {@link NodeImage#EMPTY}): only the ipcache
     * entries it changes are written, after the local bootstrap (which includes every peer published before).
     */
    public synchronized NodeMapsReconciler.Outcome publishPeer(String cluster, NodeDelta delta, NodeImage after) {
        return meshPass(cluster, writer.publishPeer(cluster, delta, after));
    }

    /** The ClusterMesh peer list was read: these peers are listed (see {@link NodeMapsWriter#awaitPeers}). */
    public synchronized void awaitPeers(Set<String> listed) {
        writer.awaitPeers(listed);
    }

    /** A disconnected ClusterMesh peer: its ipcache entries removed. */
    public synchronized NodeMapsReconciler.Outcome removePeer(String cluster) {
        return meshPass(cluster, writer.removePeer(cluster));
    }

    /** The remote cluster an ipcache key's entry comes from; empty for a local entry. */
    public synchronized Optional<String> clusterOf(IpcacheKey key) {
        return writer.clusterOf(key);
    }

    private NodeMapsReconciler.Outcome meshPass(String cluster, NodeMapsReconciler.Outcome out) {
        out.changes().forEach(this::count);
        out.fullMaps().forEach(map -> mapFull.get(map).increment());
        reconciles.get("mesh").increment();
        if (!out.problems().isEmpty()) {
            LOG.warnf("ipcache update of peer %s: %s", cluster, out.problems());
        }
        countConflicts(cluster);
        refreshGauges();
        return out;
    }

    private void countConflicts(String cluster) {
        Set<IpcacheKey> conflicts = writer.takeConflicts();
        if (!conflicts.isEmpty()) {
            meshConflicts.increment(conflicts.size());
            LOG.warnf(
                    "%d addresses claimed by a ClusterMesh peer are held by local nodes or endpoints (the local entry"
                            + " wins; pod CIDRs overlap?)%s: %s",
                    conflicts.size(),
                    cluster == null ? "" : " after an update of " + cluster,
                    conflicts.stream().limit(5).toList());
        }
    }

    /**
     * Finishes the deletion of API endpoints deleted upstream (releases their addresses); called off the
     * maps' lock, on a thread of its own, whenever a pass finds such endpoints, and once when set.
     */
    public void onGoneUpstream(Runnable finish) {
        synchronized (this) {
            if (finisher == null) {
                finisher = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                        .name("tendril-agent-upstream-deletions")
                        .daemon()
                        .factory());
            }
            goneUpstreamHandler = finish;
        }
        triggerGoneUpstream();
    }

    private void triggerGoneUpstream() {
        Runnable finish = goneUpstreamHandler;
        if (finish == null || !table.hasGoneUpstream() || !finishing.compareAndSet(false, true)) {
            return;
        }
        finisher.execute(() -> {
            try {
                finish.run();
            } catch (RuntimeException e) {
                LOG.warnf("finishing upstream deletions failed, retried after the next reconcile: %s", e.toString());
            } finally {
                finishing.set(false);
            }
        });
    }

    /** @param delta what {@code image} applied to the consumer's image before it (null: a whole image) */
    private NodeMapsReconciler.Outcome reconcile(
            NodeImage image,
            NodeDelta delta,
            String trigger,
            boolean latest,
            Function<List<LocalEndpoint>, NodeMapsReconciler.Outcome> pass) {
        List<LocalEndpoint> locals = latest ? table.resolveLatest(image, delta) : table.resolve(image);
        triggerGoneUpstream();
        NodeMapsReconciler.Outcome out = pass.apply(locals);
        countConflicts(null);
        out.changes().forEach(this::count);
        out.fullMaps().forEach(map -> mapFull.get(map).increment());
        Counter c = reconciles.get(trigger);
        if (c != null) {
            c.increment();
        }
        if (!out.problems().isEmpty()) {
            LOG.warnf("reconcile (%s): %s", trigger, out.problems());
        }
        if (!out.created().isEmpty() || !out.deleted().isEmpty()) {
            LOG.infof("policy maps created %s, removed %s", out.created(), out.deleted());
        }
        persist();
        refreshGauges();
        lastOutcome = out;
        passListener.accept(image, out);
        return out;
    }

    /** Told of every pass, its image and outcome, under the maps' lock (the pod network's re-created policy maps). */
    public void onPass(BiConsumer<NodeImage, NodeMapsReconciler.Outcome> listener) {
        passListener = listener;
    }

    @Override
    public void install(LocalEndpoint endpoint) {
        NodeMapsReconciler.Outcome out = reconcileLocal();
        for (String p : out.problems()) {
            if (p.startsWith(endpoint.policyMapName() + " ") || p.startsWith(EndpointsMap.NAME + ":")) {
                throw new IllegalStateException(p);
            }
        }
    }

    @Override
    public void uninstall(LocalEndpoint endpoint) {
        NodeMapsReconciler.Outcome out = reconcileLocal();
        for (String p : out.problems()) {
            if (p.startsWith(endpoint.policyMapName() + ":") || p.startsWith(EndpointsMap.NAME + ":")) {
                throw new IllegalStateException(p);
            }
        }
    }

    private NodeMapsReconciler.Outcome reconcileLocal() {
        // Before the first bootstrap the image does not know the endpoints of the topic yet: reconciling
        // against it would remove their (pinned, still enforcing) policy maps.
        NodeImage now = image.get().orElseThrow(() -> new IllegalStateException("the agent has not bootstrapped yet"));
        return reconcile(now, false, "endpoint");
    }

    /** Saves the endpoint table when it changed (atomically: a crash leaves the old or the new file). */
    public synchronized void persist() {
        long now = table.changes();
        if (now == persisted) {
            return;
        }
        try {
            Files.createDirectories(stateFile.getParent());
            Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
            json.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), table.snapshot());
            Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            persisted = now;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the endpoint table to " + stateFile, e);
        }
    }

    private LocalEndpointTable.Snapshot load() {
        if (!Files.exists(stateFile)) {
            LOG.infof("no endpoint table at %s: starting with none", stateFile);
            return LocalEndpointTable.Snapshot.EMPTY;
        }
        try {
            LocalEndpointTable.Snapshot s = json.readValue(stateFile.toFile(), LocalEndpointTable.Snapshot.class);
            LOG.infof(
                    "endpoint table from %s: %d endpoints, %d endpoint ids",
                    stateFile, s.registered().size(), s.ids().size());
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the endpoint table " + stateFile
                            + "; fix or remove it (endpoint ids would be reassigned)",
                    e);
        }
    }

    private void count(String map, MapReconciler.Result r) {
        if (r.total() == 0) {
            return;
        }
        if (r.added() > 0) {
            changes.get(map + "/added").increment(r.added());
        }
        if (r.updated() > 0) {
            changes.get(map + "/updated").increment(r.updated());
        }
        if (r.removed() > 0) {
            changes.get(map + "/removed").increment(r.removed());
        }
    }

    /** From what the maps hold as last written: iterating them would cost a bpf(2) call per entry. */
    private void refreshGauges() {
        entries = writer.entries();
        lbEntries = writer.lbEntries();
    }

    /** Entries of a map kind ({@link #IPCACHE}, {@code cilium_lxc}, all policy maps) as last written or checked. */
    public int entries(String mapKind) {
        NodeMapsWriter.Entries now = entries;
        return switch (mapKind) {
            case IPCACHE -> now.ipcache();
            case EndpointsMap.NAME -> now.endpoints();
            case NodeMapsReconciler.POLICY_MAPS -> now.policy();
            case "policyMaps" -> now.policyMaps();
            case NodeMapsWriter.LB_MAPS -> lbEntries;
            default -> 0;
        };
    }

    @PreDestroy
    public void close() {
        if (finisher != null) {
            finisher.shutdownNow();
        }
        // Pins keep bpf maps alive; only our file descriptors go.
        if (backend != null) {
            backend.close();
        }
    }
}
