package dev.tendril.identity.bench;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.Transactions;
import dev.tendril.identity.adapters.Replica;
import dev.tendril.identity.adapters.persistence.PostgresStorage;
import dev.tendril.identity.app.EndpointRegistry;
import dev.tendril.identity.app.IdentityAllocator;
import dev.tendril.identity.domain.ClusterConfig;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.LabelFilter;
import dev.tendril.identity.domain.LabelSyntax;
import dev.tendril.identity.domain.NamedPort;
import dev.tendril.identity.domain.Namespace;
import dev.tendril.k8s.labels.Labels;
import io.agroal.api.AgroalDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;

/**
 * Load driver for docs/BENCHMARKS.md: new-identity allocation (throughput, p50/p99), reuse lookups,
 * p99 at a fixed 500 allocations/s, endpoint registration and deregistration, GC release rate. Runs the service's allocator (the code behind
 * POST /v1/identities) on a real PostgreSQL started for the run; no HTTP in the loop.
 *
 * <pre>./mvnw -B -q -pl services/identity test-compile exec:java \
 *   -Dexec.mainClass=dev.tendril.identity.bench.IdentityBenchmark -Dexec.classpathScope=test</pre>
 * System properties: bench.threads (16), bench.new (20000), bench.reuse (400000), bench.rate (500),
 * bench.rateSeconds (10).
 */
public final class IdentityBenchmark {

    private IdentityBenchmark() {}

    public static void main(String[] args) throws Exception {
        int threads = Integer.getInteger("bench.threads", 16);
        int newCount = Integer.getInteger("bench.new", 20_000);
        int reuseCount = Integer.getInteger("bench.reuse", 400_000);
        int rate = Integer.getInteger("bench.rate", 500);
        int rateSeconds = Integer.getInteger("bench.rateSeconds", 10);

        // Zonky's embedded PostgreSQL starts with -F (fsync off) and synchronous_commit off, right for tests
        // and flattering for benchmarks: turn both back on (a later -c wins over -F).
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setPGStartupWait(Duration.ofSeconds(60))
                .start();
        postmaster = findPostmaster(postgres.getPort());
        try {
            try (AgroalDataSource pool =
                    Replica.pool(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "postgres", threads)) {
                Flyway.configure()
                        .dataSource(pool)
                        .schemas("identity")
                        .locations("classpath:db/eventstore", "classpath:db/identity")
                        .load()
                        .migrate();
                EventStore store = new EventStore(new Transactions(pool));
                PostgresStorage storage = new PostgresStorage(store);
                IdentityAllocator allocator = new IdentityAllocator(
                        storage, ClusterConfig.of("bench", 0).range(), "bench");
                System.out.printf(
                        "machine: %d cores, %s, Java %s; PostgreSQL %s (fsync=%s, synchronous_commit=%s); "
                                + "%d threads, pool %d; PostgreSQL server process found for CPU accounting: %s%n",
                        Runtime.getRuntime().availableProcessors(),
                        System.getProperty("os.name"),
                        Runtime.version(),
                        show(pool, "server_version"),
                        show(pool, "fsync"),
                        show(pool, "synchronous_commit"),
                        threads,
                        threads,
                        postmaster.map(p -> "pid " + p.pid()).orElse("NO (its CPU counts as other)"));

                warmUp(allocator);

                long[] latencies = run(threads, newCount, i -> allocator.allocate(labels("new", i)));
                report("new identities", newCount, latencies);

                long[] reuse = run(threads, reuseCount, i -> allocator.allocate(labels("new", i % newCount)));
                report("reuse lookups (cache)", reuseCount, reuse);

                IdentityAllocator cold = new IdentityAllocator(
                        storage, ClusterConfig.of("bench", 0).range(), "bench");
                long[] coldReuse = run(threads, newCount, i -> cold.allocate(labels("new", i)));
                report("reuse lookups (database, cold cache)", newCount, coldReuse);

                cold.close();
                long[] paced = paced(allocator, rate, rateSeconds);
                report("new identities at " + rate + "/s (open loop)", paced.length, paced);

                EndpointRegistry registry =
                        new EndpointRegistry(storage, storage.removals(), allocator, LabelFilter.defaults(), "bench");
                registry.upsertNamespace(Namespace.of("bench", Map.of("team", "perf")));
                int endpoints = Integer.getInteger("bench.endpoints", 5_000);
                long[] registered = run(
                        threads,
                        endpoints,
                        i -> registry.register(EndpointSpec.of(
                                "bench",
                                "pod-" + i,
                                "uid-" + i,
                                "node-" + (i % 50),
                                List.of("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)),
                                Map.of("app", "app-" + (i % 50), "pod-template-hash", Integer.toHexString(i)),
                                "default",
                                List.of(new NamedPort.Requested("http", 8080, "TCP")))));
                report("endpoint registrations (50 label sets)", endpoints, registered);
                long[] deregistered = run(threads, endpoints, i -> registry.deregister("bench", "pod-" + i));
                report("endpoint deregistrations", endpoints, deregistered);

                phaseStart.set(Cpu.now());
                long start = System.nanoTime();
                int released = 0;
                while (true) {
                    int batch = allocator.collectGarbage(Duration.ZERO, 1000).size();
                    released += batch;
                    if (batch == 0) {
                        break;
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(
                        "%-45s %8d released in %6.2f s = %9.0f releases/s   %s%n",
                        "GC releases (batches of 1000)", released, seconds, released / seconds, cpu(released));
            }
        } finally {
            postgres.close();
        }
    }

    private static String show(AgroalDataSource pool, String setting) throws java.sql.SQLException {
        try (var connection = pool.getConnection();
                var statement = connection.createStatement();
                var row = statement.executeQuery("SHOW " + setting)) {
            row.next();
            return row.getString(1);
        }
    }

    /** CPU of this JVM and its child processes (PostgreSQL) and of the whole machine, from /proc. */
    private record Cpu(long wallNanos, double ours, double machineBusy) {

        static Cpu now() {
            double ours = seconds(ProcessHandle.current())
                    + postmaster
                            .map(pm -> seconds(pm)
                                    + pm.descendants().mapToDouble(Cpu::seconds).sum())
                            .orElse(0.0);
            double busy = 0;
            try {
                String[] fields = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat"))
                        .getFirst()
                        .trim()
                        .split("\\s+");
                long total = 0;
                long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
                for (int i = 1; i < Math.min(fields.length, 9); i++) {
                    total += Long.parseLong(fields[i]);
                }
                busy = (total - idle) / 100.0;
            } catch (java.io.IOException | RuntimeException e) {
                busy = Double.NaN;
            }
            return new Cpu(System.nanoTime(), ours, busy);
        }

        private static double seconds(ProcessHandle process) {
            return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
        }
    }

    /** The benchmark's PostgreSQL server process (its backends are its children). */
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

    private static final ThreadLocal<Cpu> phaseStart = new ThreadLocal<>();

    private interface Op {
        void run(int i) throws Exception;
    }

    private static Labels labels(String kind, int i) {
        return LabelSyntax.parseLabels(
                List.of(
                        "k8s:app=" + kind + "-" + i,
                        "k8s:io.kubernetes.pod.namespace=bench",
                        "k8s:io.cilium.k8s.policy.cluster=bench"),
                "labels");
    }

    private static void warmUp(IdentityAllocator allocator) throws Exception {
        run(4, 2_000, i -> allocator.allocate(labels("warm", i)));
        run(4, 50_000, i -> allocator.allocate(labels("warm", i % 2_000)));
    }

    /** Closed loop: {@code threads} workers take the next index until {@code count}; returns each op's latency (ns). */
    private static long[] run(int threads, int count, Op op) throws Exception {
        long[] latencies = new long[count];
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        phaseStart.set(Cpu.now());
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < count) {
                    long begin = System.nanoTime();
                    op.run(i);
                    latencies[i] = System.nanoTime() - begin;
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        long elapsed = System.nanoTime() - start;
        pool.shutdown();
        elapsedOf.set(elapsed);
        return latencies;
    }

    /** Wall time of the last phase; phases run one after another on the main thread. */
    private static final ThreadLocal<Long> elapsedOf = ThreadLocal.withInitial(() -> 0L);

    /** Open loop at a fixed rate: latency counts from the scheduled start, so queueing shows. */
    private static long[] paced(IdentityAllocator allocator, int rate, int seconds) throws Exception {
        int count = rate * seconds;
        long[] latencies = new long[count];
        ExecutorService workers = Executors.newFixedThreadPool(64);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long periodNanos = 1_000_000_000L / rate;
        phaseStart.set(Cpu.now());
        long origin = System.nanoTime() + 10_000_000;
        List<Future<?>> done = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int index = i;
            long due = origin + i * periodNanos;
            done.add(workers.submit(() -> {
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                allocator.allocate(labels("paced", index));
                latencies[index] = System.nanoTime() - due;
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        elapsedOf.set(System.nanoTime() - origin);
        workers.shutdown();
        ticker.shutdown();
        return latencies;
    }

    private static void report(String name, int count, long[] latencies) {
        double seconds = elapsedOf.get() / 1e9;
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        System.out.printf(
                "%-45s %8d ops in %6.2f s = %9.0f ops/s   p50 %7.3f ms   p99 %7.3f ms   max %7.3f ms   %s%n",
                name,
                count,
                seconds,
                count / seconds,
                percentile(sorted, 0.50),
                percentile(sorted, 0.99),
                sorted[sorted.length - 1] / 1e6,
                cpu(count));
    }

    /** Our CPU (JVM + PostgreSQL), the other processes' CPU, as % of one core; ops per CPU-second of ours. */
    private static String cpu(int count) {
        Cpu start = phaseStart.get();
        Cpu end = Cpu.now();
        double wall = (end.wallNanos() - start.wallNanos()) / 1e9;
        double ours = end.ours() - start.ours();
        double other = Math.max(0, (end.machineBusy() - start.machineBusy()) - ours);
        return String.format(
                "cpu ours %3.0f%% other %3.0f%% (of %d00%%), %6.0f ops per cpu-s",
                100 * ours / wall, 100 * other / wall, Runtime.getRuntime().availableProcessors(), count / ours);
    }

    private static double percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
