package dev.tendril.identity.bench;

import dev.tendril.api.v1.AllocateIdentityRequest;
import dev.tendril.api.v1.IdentityServiceGrpc;
import dev.tendril.security.Credential;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.PostgresServer;
import dev.tendril.testing.tls.TestPki;
import dev.tendril.testing.tls.TlsClients;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load driver for docs/BENCHMARKS.md "Security: TLS and authentication on vs off (issue 16)" (not a test): two
 * identity services from the runner jar side by side, one plaintext without authentication (the tests' setup), one
 * with the {@code tls} profile (HTTPS and gRPC only, client certificates asked for, roles enforced) and a PostgreSQL
 * that wants a password, each with its own PostgreSQL. {@code clients} gRPC clients, each on its own channel (the
 * secured arm's presenting the policy service's certificate, role service), call {@code AllocateIdentity} with new
 * label sets, then with label sets already allocated (reuse lookups). Rounds alternate the arms (A, B, A, B) so a
 * drift in the machine's load hits both.
 *
 * <pre>./mvnw -B -o -q -pl services/identity package -DskipTests
 * ./mvnw -B -o -q -pl services/identity -am test-compile -Pbench-security [-Dclients=16 -Drounds=4 -Dnew=3000 -Dreuse=20000 -DwarmNew=6000 -DwarmReuse=200000 -DserviceHeap=512m]</pre>
 */
public final class IdentitySecurityBenchmark {

    private static final String PASSWORD = "bench-secret";

    private IdentitySecurityBenchmark() {}

    /** One side of the comparison: a running service and its clients' channels. */
    private record Arm(
            String name,
            Process service,
            List<ManagedChannel> channels,
            List<long[]> newRuns,
            List<long[]> reuseRuns,
            List<Double> newRates,
            List<Double> reuseRates,
            List<Double> newServiceMicros,
            List<Double> reuseServiceMicros,
            List<Double> reuseDriverMicros) {}

    public static void main(String[] args) throws Exception {
        int clients = Integer.getInteger("clients", 16);
        int rounds = Integer.getInteger("rounds", 4);
        int newCount = Integer.getInteger("new", 3_000);
        int reuseCount = Integer.getInteger("reuse", 20_000);
        // Both JVMs compile their hot paths during the first few thousand calls; rounds before that
        // measure the JIT, not TLS.
        // 30,000 warm-up lookups were too few: the rounds after them kept speeding up, the secured arm (more code to
        // compile) later than the plaintext one, and the on/off ratio measured the JITs (docs/BENCHMARKS.md).
        int warmNew = Integer.getInteger("warmNew", 6_000);
        int warmReuse = Integer.getInteger("warmReuse", 200_000);
        String heap = System.getProperty("serviceHeap", "512m");
        Path jar = Path.of(System.getProperty("bench.jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar + " is missing: ./mvnw -B -o -q -pl services/identity package -DskipTests");
        }
        Path work = Files.createTempDirectory("tendril-identity-security-bench-");
        System.out.printf(
                "identity security benchmark: %d clients, %d rounds per arm of %d new + %d reuse allocations; "
                        + "Java %s, %d CPUs, load average %s; service jar %s%n",
                clients,
                rounds,
                newCount,
                reuseCount,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                loadAverage(),
                jar);
        TestPki pki = TestPki.create("identity");
        Credential server = pki.server("identity");
        Credential client = pki.service("policy");
        try (PostgresServer plainDb = PostgresServer.start(work.resolve("pg-plain"), 0);
                PostgresServer securedDb = PostgresServer.startSecured(work.resolve("pg-secured"), 0, PASSWORD);
                KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"), 0)) {
            plainDb.createDatabaseIfMissing("tendril");
            securedDb.createDatabaseIfMissing("tendril");
            int plainPort = freePort();
            int securedPort = freePort();
            List<String> plainCommand = command(jar, heap, plainPort, plainDb, kafka);
            List<String> securedCommand = command(jar, heap, securedPort, securedDb, kafka);
            securedCommand.addAll(
                    securedCommand.indexOf("-jar"),
                    List.of(
                            "-Dquarkus.profile=prod,tls",
                            "-Dtendril.tls.ca=" + pki.authority(),
                            "-Dtendril.tls.cert=" + server.certificate(),
                            "-Dtendril.tls.key=" + server.privateKey()));
            // -DsecuredArgs="-Da=b -Dc=d": more options for the secured arm's JVM, to take its cost apart (for
            // example -Dtendril.security.enabled=false: TLS alone, no role check).
            String securedArgs = System.getProperty("securedArgs", "").trim();
            if (!securedArgs.isEmpty()) {
                securedCommand.addAll(securedCommand.indexOf("-jar"), List.of(securedArgs.split("\\s+")));
            }
            Process plain = start(plainCommand, work.resolve("identity-plain.log"));
            Process secured = start(securedCommand, work.resolve("identity-secured.log"));
            try {
                awaitReady(plain, HttpClient.newHttpClient(), URI.create("http://127.0.0.1:" + plainPort));
                awaitReady(
                        secured,
                        TlsClients.https(pki.authority(), null),
                        URI.create("https://localhost:" + securedPort));
                System.out.printf(
                        "services ready: plaintext pid %d port %d, TLS+roles pid %d port %d; logs in %s%n",
                        plain.pid(), plainPort, secured.pid(), securedPort, work);
                List<ManagedChannel> plainChannels = new ArrayList<>();
                List<ManagedChannel> securedChannels = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    plainChannels.add(ManagedChannelBuilder.forAddress("127.0.0.1", plainPort)
                            .usePlaintext()
                            .build());
                    securedChannels.add(TlsClients.grpc("localhost", securedPort, pki.authority(), client));
                }
                Arm off = new Arm(
                        "off (plaintext, no auth)",
                        plain,
                        plainChannels,
                        new ArrayList<>(),
                        new ArrayList<>(),
                        new ArrayList<>(),
                        new ArrayList<>(),
                        new ArrayList<>(),
                        new ArrayList<>(),
                        new ArrayList<>());
                Arm on = new Arm(
                        "on (TLS, mTLS role service)",
                        secured,
                        securedChannels,
                        new ArrayList<>(),
                        new ArrayList<>(),
                        new ArrayList<>(),
                        new ArrayList<>(),
                        new ArrayList<>(),
                        new ArrayList<>(),
                        new ArrayList<>());
                if (!securedArgs.contains("tendril.security.enabled=false")) {
                    refusedWithoutCertificate(pki, securedPort);
                }
                for (Arm arm : List.of(off, on)) {
                    round(arm, clients, "warm", warmNew, warmReuse, false);
                }
                for (int r = 0; r < rounds; r++) {
                    for (Arm arm : List.of(off, on)) {
                        round(arm, clients, "r" + r, newCount, reuseCount, true);
                    }
                }
                System.out.println();
                summary("new identities", off, on, Arm::newRuns, Arm::newRates, newCount * rounds);
                summary("reuse lookups", off, on, Arm::reuseRuns, Arm::reuseRates, reuseCount * rounds);
                cpuSummary("new identities", off, on, Arm::newServiceMicros, null);
                cpuSummary("reuse lookups", off, on, Arm::reuseServiceMicros, Arm::reuseDriverMicros);
                for (ManagedChannel channel : plainChannels) {
                    channel.shutdownNow();
                }
                for (ManagedChannel channel : securedChannels) {
                    channel.shutdownNow();
                }
            } finally {
                stop(plain);
                stop(secured);
            }
        }
        System.out.printf("load average at the end: %s%n", loadAverage());
    }

    /** The secured arm really checks: a channel without a client certificate is turned away. */
    private static void refusedWithoutCertificate(TestPki pki, int port) throws InterruptedException {
        ManagedChannel anonymous = TlsClients.grpc("localhost", port, pki.authority(), null);
        try {
            IdentityServiceGrpc.newBlockingStub(anonymous)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .allocateIdentity(request("anonymous", 0));
            throw new IllegalStateException("the secured service allocated for a client without a certificate");
        } catch (StatusRuntimeException e) {
            System.out.printf(
                    "secured arm without a client certificate: %s (as it should)%n",
                    e.getStatus().getCode());
        } finally {
            anonymous.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static void round(Arm arm, int clients, String tag, int newCount, int reuseCount, boolean record)
            throws Exception {
        String load = loadAverage();
        long[] created = new long[newCount];
        long serviceBefore = cpuNanos(arm.service());
        double newSeconds = drive(arm.channels(), clients, newCount, created, i -> request(tag, i));
        long serviceBetween = cpuNanos(arm.service());
        long driverBefore = DRIVER.getProcessCpuTime();
        long[] reused = new long[reuseCount];
        double reuseSeconds = drive(arm.channels(), clients, reuseCount, reused, i -> request(tag, i % newCount));
        long driverAfter = DRIVER.getProcessCpuTime();
        long serviceAfter = cpuNanos(arm.service());
        double newService = (serviceBetween - serviceBefore) / 1e3 / newCount;
        double reuseService = (serviceAfter - serviceBetween) / 1e3 / reuseCount;
        double reuseDriver = (driverAfter - driverBefore) / 1e3 / reuseCount;
        System.out.printf(
                "%-5s %-28s new %7.0f/s p50 %6.2f p99 %6.2f ms | reuse %7.0f/s p50 %6.2f p99 %6.2f ms | CPU per call:"
                        + " service new %5.0f us, reuse %4.0f us, driver reuse %4.0f us | load %s%n",
                tag,
                arm.name(),
                newCount / newSeconds,
                percentile(created, 0.50),
                percentile(created, 0.99),
                reuseCount / reuseSeconds,
                percentile(reused, 0.50),
                percentile(reused, 0.99),
                newService,
                reuseService,
                reuseDriver,
                load);
        if (record) {
            arm.newRuns().add(created);
            arm.reuseRuns().add(reused);
            arm.newRates().add(newCount / newSeconds);
            arm.reuseRates().add(reuseCount / reuseSeconds);
            arm.newServiceMicros().add(newService);
            arm.reuseServiceMicros().add(reuseService);
            arm.reuseDriverMicros().add(reuseDriver);
        }
    }

    /** This JVM (the clients, their TLS included) as the operating system counts its CPU. */
    private static final com.sun.management.OperatingSystemMXBean DRIVER = (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** The service JVM's CPU (user + system) so far, as /proc counts it. */
    private static long cpuNanos(Process service) {
        return service.toHandle()
                .info()
                .totalCpuDuration()
                .orElseThrow(() -> new IllegalStateException("no CPU time for pid " + service.pid()))
                .toNanos();
    }

    /**
     * The service's CPU per call, median of the rounds, both arms, and what it makes of the service's throughput on
     * cores of its own (off's CPU per call over on's): the driver's clients, their TLS included, share this machine's
     * cores with the service, so the measured calls/s also pay the clients' side, which a real client pays on its own
     * node.
     */
    private static void cpuSummary(
            String what,
            Arm off,
            Arm on,
            java.util.function.Function<Arm, List<Double>> service,
            java.util.function.Function<Arm, List<Double>> driver) {
        double offService = median(service.apply(off));
        double onService = median(service.apply(on));
        System.out.printf(
                "%-15s service CPU per call: off %.0f us, on %.0f us; service throughput on its own cores on/off %.3f"
                        + " (%+.1f%%)%s%n",
                what,
                offService,
                onService,
                offService / onService,
                100 * (offService / onService - 1),
                driver == null
                        ? ""
                        : String.format(
                                "; driver (clients) CPU per call: off %.0f us, on %.0f us",
                                median(driver.apply(off)), median(driver.apply(on))));
    }

    private interface Requests {
        AllocateIdentityRequest of(int i);
    }

    /** Closed loop: client c uses channel c; returns the wall time in seconds and fills each call's latency (ns). */
    private static double drive(
            List<ManagedChannel> channels, int clients, int count, long[] latencies, Requests requests)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            var stub = IdentityServiceGrpc.newBlockingStub(channels.get(c));
            workers.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < count) {
                    long begin = System.nanoTime();
                    stub.withDeadlineAfter(30, TimeUnit.SECONDS).allocateIdentity(requests.of(i));
                    latencies[i] = System.nanoTime() - begin;
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return seconds;
    }

    private static AllocateIdentityRequest request(String tag, int i) {
        return AllocateIdentityRequest.newBuilder()
                .addLabels("k8s:app=bench-" + tag + "-" + i)
                .addLabels("k8s:io.kubernetes.pod.namespace=bench")
                .build();
    }

    private static void summary(
            String what,
            Arm off,
            Arm on,
            java.util.function.Function<Arm, List<long[]>> runs,
            java.util.function.Function<Arm, List<Double>> rates,
            int total) {
        long[] offAll = concat(runs.apply(off));
        long[] onAll = concat(runs.apply(on));
        double offRate = median(rates.apply(off));
        double onRate = median(rates.apply(on));
        System.out.printf(
                "%-15s off: median %7.0f/s (rounds %s) p50 %6.2f p99 %6.2f ms (%d calls)%n",
                what, offRate, rounded(rates.apply(off)), percentile(offAll, 0.5), percentile(offAll, 0.99), total);
        System.out.printf(
                "%-15s on:  median %7.0f/s (rounds %s) p50 %6.2f p99 %6.2f ms (%d calls)%n",
                what, onRate, rounded(rates.apply(on)), percentile(onAll, 0.5), percentile(onAll, 0.99), total);
        System.out.printf(
                "%-15s on/off: throughput %.3f (%+.1f%%), p99 %.3f%n",
                what,
                onRate / offRate,
                100 * (onRate / offRate - 1),
                percentile(onAll, 0.99) / percentile(offAll, 0.99));
    }

    private static List<Long> rounded(List<Double> rates) {
        return rates.stream().map(Math::round).toList();
    }

    private static double median(List<Double> values) {
        double[] sorted =
                values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static long[] concat(List<long[]> runs) {
        return runs.stream().flatMapToLong(Arrays::stream).toArray();
    }

    private static double percentile(long[] latencies, double p) {
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private static List<String> command(Path jar, String heap, int port, PostgresServer db, KafkaBroker kafka) {
        return new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap,
                "--enable-native-access=ALL-UNNAMED",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.datasource.jdbc.url=" + db.jdbcUrl("tendril"),
                "-Dquarkus.datasource.username=" + db.username(),
                "-Dquarkus.datasource.password=" + db.password(),
                "-Dkafka.bootstrap.servers=" + kafka.bootstrapServers(),
                "-jar",
                jar.toString()));
    }

    private static Process start(List<String> command, Path log) throws IOException {
        return new ProcessBuilder(command)
                .directory(log.getParent().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static void stop(Process service) throws InterruptedException {
        service.destroy();
        if (!service.waitFor(20, TimeUnit.SECONDS)) {
            service.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void awaitReady(Process service, HttpClient http, URI base) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException(
                        "identity service exited with " + service.exitValue() + " (see its log)");
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(base.resolve("/q/health/ready"))
                                .timeout(Duration.ofSeconds(5))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("identity service at " + base + " not ready in 5 minutes");
    }

    private static int freePort() {
        return dev.tendril.testing.FreePorts.pick();
    }

    private static String loadAverage() {
        return dev.tendril.testing.MachineLoad.averages();
    }
}
