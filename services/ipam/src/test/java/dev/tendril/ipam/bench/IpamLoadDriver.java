package dev.tendril.ipam.bench;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.Transactions;
import dev.tendril.ipam.adapters.persistence.JdbcIpamQueries;
import dev.tendril.ipam.adapters.persistence.JdbcIpamStore;
import dev.tendril.ipam.app.IpamService;
import dev.tendril.ipam.domain.IpamSettings;
import dev.tendril.ipam.domain.NodeCommand;
import dev.tendril.ipam.domain.NodeDecider;
import dev.tendril.ipam.domain.NodeEvent;
import dev.tendril.ipam.domain.NodeState;
import dev.tendril.ipam.domain.PoolCommand;
import dev.tendril.ipam.domain.PoolDecider;
import dev.tendril.ipam.domain.PoolEvent;
import dev.tendril.ipam.domain.PoolState;
import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalPropertiesReader;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.flywaydb.core.Flyway;

/**
 * Load driver for docs/BENCHMARKS.md "IPAM service" (not a test; verify never runs it). Against a
 * dedicated PostgreSQL with fsync=on and synchronous_commit=on, through {@link IpamService} (the code
 * the REST and gRPC adapters call), it measures:
 * <ol>
 *   <li>node registration (pod CIDR allocation) for {@code nodes} nodes, default pools;
 *   <li>pod address churn: threads allocating a dual-stack pair for a new pod uid, then releasing both
 *       addresses (by uid in one command, or one command per address), over {@code podNodes} nodes, for {@code durationSeconds} after a warm-up;
 *   <li>heap of the in-memory state per 100,000 dual-stack pod allocations (pure domain).
 * </ol>
 * System properties: nodes (5000), registerThreads (4), podNodes (64), threads (8),
 * durationSeconds (20), warmupSeconds (5), writers (comma list of group-commit writer counts to
 * compare, "0,2": 0 = every command its own transaction), release ("pod": one release-by-uid command
 * per pod, {@link IpamService#releasePod}; "ip": one release command per address).
 */
public final class IpamLoadDriver {

    public static void main(String[] args) throws Exception {
        int nodes = Integer.getInteger("nodes", 5000);
        int registerThreads = Integer.getInteger("registerThreads", 4);
        int podNodes = Integer.getInteger("podNodes", 64);
        int threads = Integer.getInteger("threads", 8);
        int durationSeconds = Integer.getInteger("durationSeconds", 20);
        int warmupSeconds = Integer.getInteger("warmupSeconds", 5);
        boolean releasePod = !"ip".equals(System.getProperty("release", "pod"));

        System.out.printf(
                "IPAM load driver: %d CPUs, Java %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        memoryPer100kAllocations();

        System.out.println("starting PostgreSQL (dedicated, fsync=on, synchronous_commit=on)");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("max_connections", "200")
                .setPGStartupWait(Duration.ofSeconds(60))
                .start()) {
            String url = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
            try (Connection c = postgres.getPostgresDatabase().getConnection();
                    ResultSet r = c.createStatement()
                            .executeQuery(
                                    "SELECT current_setting('fsync'), current_setting('synchronous_commit'), version()")) {
                r.next();
                System.out.printf(
                        "PostgreSQL: fsync=%s synchronous_commit=%s (%s)%n",
                        r.getString(1), r.getString(2), r.getString(3).split(",")[0]);
            }
            postmaster = findPostmaster(postgres.getPort());
            System.out.println("PostgreSQL server process for CPU accounting: "
                    + postmaster.map(p -> "pid " + p.pid()).orElse("NOT found (its CPU counts as other)"));
            registerNodes(url, nodes, registerThreads);
            for (String writers : System.getProperty("writers", "0,2").split(",")) {
                churn(
                        url,
                        podNodes,
                        threads,
                        warmupSeconds,
                        durationSeconds,
                        Integer.parseInt(writers.strip()),
                        releasePod);
            }
        }
    }

    private static AgroalDataSource pool(String url, String schema, int size) throws Exception {
        Flyway.configure()
                .dataSource(url, "postgres", "postgres")
                .schemas(schema)
                .locations("classpath:db/eventstore", "classpath:db/ipam")
                .load()
                .migrate();
        return AgroalDataSource.from(new AgroalPropertiesReader()
                .readProperties(Map.of(
                        AgroalPropertiesReader.JDBC_URL,
                        url + "?currentSchema=" + schema,
                        AgroalPropertiesReader.PRINCIPAL,
                        "postgres",
                        AgroalPropertiesReader.CREDENTIAL,
                        "postgres",
                        AgroalPropertiesReader.MAX_SIZE,
                        Integer.toString(size)))
                .get());
    }

    private static IpamService service(AgroalDataSource pool, IpamSettings settings, int writers) {
        EventStore store = new EventStore(new Transactions(pool));
        return new IpamService(
                new JdbcIpamStore(store),
                new JdbcIpamQueries(store.transactions()),
                settings,
                Clock.systemUTC(),
                "default",
                writers);
    }

    private static void registerNodes(String url, int nodes, int threads) throws Exception {
        try (AgroalDataSource pool = pool(url, "bench_nodes", threads)) {
            IpamService ipam = service(pool, IpamSettings.defaults(), IpamService.DEFAULT_WRITERS);
            ExecutorService executor = Executors.newFixedThreadPool(threads);
            AtomicLong next = new AtomicLong();
            long ticksBefore = cpuTicks();
            double oursBefore = ourCpuSeconds();
            double postgresBefore = postgresCpuSeconds();
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(executor.submit(() -> {
                    for (long i = next.getAndIncrement(); i < nodes; i = next.getAndIncrement()) {
                        ipam.registerNode("node-" + i, List.of("192.168." + (i / 250) + "." + (i % 250 + 1)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String cpu = cpuSplit(ticksBefore, oursBefore, postgresBefore, seconds);
            executor.shutdown();
            var pools = ipam.pools();
            System.out.printf(
                    "node registration: %d nodes (dual-stack pod CIDRs) in %.2f s = %.0f nodes/s, "
                            + "%d threads; %s; pools now %s%n",
                    nodes, seconds, nodes / seconds, threads, cpu, pools);
        }
    }

    private static long commits(AgroalDataSource pool) throws Exception {
        try (Connection c = pool.getConnection();
                ResultSet r = c.createStatement()
                        .executeQuery("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
            r.next();
            return r.getLong(1);
        }
    }

    private static long cpuTicks() throws Exception {
        String[] cpu = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat"))
                .getFirst()
                .split("\\s+");
        return Long.parseLong(cpu[1]) + Long.parseLong(cpu[2]) + Long.parseLong(cpu[3]);
    }

    /** The benchmark's PostgreSQL server (its backends are its children), for "ours" in the CPU split. */
    private static java.util.Optional<ProcessHandle> postmaster = java.util.Optional.empty();

    private static java.util.Optional<ProcessHandle> findPostmaster(int port) {
        return ProcessHandle.allProcesses()
                .filter(p ->
                        p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
                .filter(p -> p.info()
                        .arguments()
                        .map(a -> String.join(" ", a).contains("-p " + port)
                                || String.join(" ", a).contains("port=" + port))
                        .orElse(false))
                .findFirst();
    }

    /** CPU seconds of this JVM plus the PostgreSQL server and its backends. */
    private static double ourCpuSeconds() {
        return cpuSeconds(ProcessHandle.current()) + postgresCpuSeconds();
    }

    private static double postgresCpuSeconds() {
        return postmaster
                .map(pm -> cpuSeconds(pm)
                        + pm.descendants()
                                .mapToDouble(IpamLoadDriver::cpuSeconds)
                                .sum())
                .orElse(0.0);
    }

    private static double cpuSeconds(ProcessHandle process) {
        return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    /** Our share and everything else's, in % of one CPU, between two readings of (ticks, our seconds). */
    private static String cpuSplit(long ticksBefore, double oursBefore, double postgresBefore, double seconds)
            throws Exception {
        double busy = (cpuTicks() - ticksBefore) / 100.0;
        double ours = ourCpuSeconds() - oursBefore;
        double postgres = postgresCpuSeconds() - postgresBefore;
        return String.format(
                "CPU ours %.0f%% (JVM %.0f%%, PostgreSQL %.0f%%) other %.0f%% (of %d00%%)",
                100 * ours / seconds,
                100 * (ours - postgres) / seconds,
                100 * postgres / seconds,
                100 * Math.max(0, busy - ours) / seconds,
                Runtime.getRuntime().availableProcessors());
    }

    private static void churn(
            String url,
            int podNodes,
            int threads,
            int warmupSeconds,
            int durationSeconds,
            int writers,
            boolean releasePod)
            throws Exception {
        // Quarantine stays at its 30 s default: node CIDRs of /16 and /112 hold enough addresses for it.
        IpamSettings settings = IpamSettings.validated(
                List.of("10.0.0.0/8"),
                16,
                List.of("fd00::/96"),
                112,
                IpamSettings.DEFAULT_QUARANTINE,
                IpamSettings.DEFAULT_UNCONFIRMED_EXPIRY);
        try (AgroalDataSource pool = pool(url, "bench_pods_" + writers, threads + writers);
                IpamService ipam = service(pool, settings, writers)) {
            for (int n = 0; n < podNodes; n++) {
                ipam.registerNode("pods-" + n, List.of("192.168.100." + (n + 1)));
            }
            AtomicBoolean measuring = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong cycles = new AtomicLong();
            AtomicLong uids = new AtomicLong();
            long[][] latencies = new long[threads][];
            ExecutorService executor = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(executor.submit(() -> {
                    long[] samples = new long[1 << 20];
                    int count = 0;
                    int n = thread;
                    while (!stop.get()) {
                        String node = "pods-" + (n++ % podNodes);
                        String uid = "uid-" + uids.incrementAndGet();
                        long begin = System.nanoTime();
                        List<String> ips =
                                ipam.allocate(node, "bench/" + uid, uid).ips();
                        long allocated = System.nanoTime();
                        if (releasePod) {
                            ipam.releasePod(node, uid);
                        } else {
                            for (String ip : ips) {
                                ipam.release(node, ip, uid);
                            }
                        }
                        if (measuring.get()) {
                            cycles.incrementAndGet();
                            if (count < samples.length) {
                                samples[count++] = allocated - begin;
                            }
                        }
                    }
                    latencies[thread] = Arrays.copyOf(samples, count);
                    return null;
                }));
            }
            Thread.sleep(warmupSeconds * 1000L);
            long commitsBefore = commits(pool);
            long cpuBefore = cpuTicks();
            double oursBefore = ourCpuSeconds();
            double postgresBefore = postgresCpuSeconds();
            measuring.set(true);
            long start = System.nanoTime();
            Thread.sleep(durationSeconds * 1000L);
            measuring.set(false);
            double seconds = (System.nanoTime() - start) / 1e9;
            double commitsPerSecond = (commits(pool) - commitsBefore) / seconds;
            String cpu = cpuSplit(cpuBefore, oursBefore, postgresBefore, seconds);
            stop.set(true);
            for (Future<?> f : done) {
                f.get();
            }
            executor.shutdown();
            long[] all = Arrays.stream(latencies)
                    .flatMapToLong(Arrays::stream)
                    .sorted()
                    .toArray();
            double perSecond = cycles.get() / seconds;
            int commandsPerPod = releasePod ? 2 : 3;
            System.out.printf(
                    "pod churn, writers=%d, release by %s: %d threads over %d nodes, %.0f s measured: "
                            + "%.0f pods/s (allocate IPv4+IPv6, then release both) = %.0f allocate+release pairs/s of single addresses, "
                            + "%.0f commands/s in %.0f commits/s; allocate p50 %.2f ms, p99 %.2f ms; %s%n",
                    writers,
                    releasePod ? "uid" : "ip",
                    threads,
                    podNodes,
                    seconds,
                    perSecond,
                    perSecond * 2,
                    perSecond * commandsPerPod,
                    commitsPerSecond,
                    all[all.length / 2] / 1e6,
                    all[(int) (all.length * 0.99)] / 1e6,
                    cpu);
        }
    }

    /** Heap held by the deciders' state for 100,000 dual-stack pods on 1,000 nodes (/24 + /120 each). */
    private static void memoryPer100kAllocations() {
        IpamSettings settings = IpamSettings.defaults();
        PoolDecider poolDecider = new PoolDecider(settings);
        PoolState poolState = poolDecider.initialState();
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        List<NodeState> states = new ArrayList<>();
        List<NodeDecider> deciders = new ArrayList<>();
        for (int n = 0; n < 1000; n++) {
            String name = "mem-" + n;
            List<Cidr> cidrs = new ArrayList<>();
            for (PoolEvent e : poolDecider.decide(new PoolCommand.AllocateNodeCidrs(name, now), poolState)) {
                poolDecider.evolve(poolState, e);
                cidrs.add(((PoolEvent.PodCidrAllocated) e).cidr());
            }
            NodeDecider decider = new NodeDecider(name, settings);
            NodeState state = decider.initialState();
            for (NodeEvent e : decider.decide(
                    new NodeCommand.RegisterNode(name, List.of(IpAddress.parse("192.168.0.1")), "default", cidrs),
                    state)) {
                decider.evolve(state, e);
            }
            states.add(state);
            deciders.add(decider);
        }
        long before = usedHeap();
        for (int n = 0; n < 1000; n++) {
            for (int p = 0; p < 100; p++) {
                String uid = "0b6f7a52-3d1c-4d55-9f55-" + String.format("%012d", n * 100L + p);
                for (NodeEvent e : deciders.get(n)
                        .decide(
                                new NodeCommand.AllocatePodIps("mem-" + n, "default/pod-" + n + "-" + p, uid, now),
                                states.get(n))) {
                    deciders.get(n).evolve(states.get(n), e);
                }
            }
        }
        long after = usedHeap();
        long allocated = states.stream().mapToLong(s -> s.allocations().size()).sum();
        System.out.printf(
                "memory: %d dual-stack pod allocations (%d addresses) on 1000 nodes: %.1f MiB of heap "
                        + "(%.0f bytes per pod)%n",
                allocated, allocated * 2, (after - before) / 1048576.0, (after - before) / (double) allocated);
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
