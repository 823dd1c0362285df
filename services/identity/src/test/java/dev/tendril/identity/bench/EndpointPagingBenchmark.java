package dev.tendril.identity.bench;

import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.PostgresServer;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load driver for docs/BENCHMARKS.md "Endpoint lists in pages (issue 21)". Two parts:
 *
 * <ol>
 *   <li>Start-up of the identity service jar before and after Hibernate Reactive ({@code -Dbefore=} a copy of the
 *       earlier {@code quarkus-app}, {@code -Dbench.jar=} the current one), {@code -Dstarts} times each, alternating,
 *       each on its own database: Quarkus' own "started in" figure and the time to {@code /q/health/ready}.
 *   <li>{@code -Dendpoints} (100,000) endpoints in the read model, paged through by the real CLI ({@code
 *       -Dcli.jar=cli/target/tendril-cli.jar}, {@code -Dcli.heap}) with its default chunks of 500, and the same with
 *       {@code --chunk-size 0} (one answer) for contrast; the service runs with {@code -Dservice.heap} and its heap
 *       is sampled from {@code /q/metrics} while each list runs. The endpoints are one registered over REST and
 *       copied in SQL (pod, node and uid rewritten): the list reads the read model, whichever way its rows came.
 * </ol>
 *
 * <pre>./mvnw -B -o -q -pl services/identity package -DskipTests   (and cli: ./mvnw -B -o -q -pl cli -am package -DskipTests)
 * ./mvnw -B -o -q -pl services/identity -am test-compile -Pbench-paging -Dbefore=/tmp/identity-before/quarkus-run.jar
 *     [-Dstarts=3 -Dendpoints=100000 -Dservice.heap=128m -Dcli.heap=32m]
 * (-Dendpoints=0: start-up only)</pre>
 */
public final class EndpointPagingBenchmark {

    private static final Pattern STARTED = Pattern.compile("started in ([0-9.]+)s");
    private static final Pattern HEAP = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*} ([0-9.E+]+)");

    private EndpointPagingBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path after = Path.of(System.getProperty("bench.jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        String before = System.getProperty("before", "");
        Path cli = Path.of(System.getProperty("cli.jar", "../../cli/target/tendril-cli.jar"))
                .toAbsolutePath();
        int starts = Integer.getInteger("starts", 3);
        int endpoints = Integer.getInteger("endpoints", 100_000);
        String serviceHeap = System.getProperty("service.heap", "128m");
        String cliHeap = System.getProperty("cli.heap", "32m");
        Path work = Files.createTempDirectory("tendril-paging-bench-");
        System.out.printf(
                "endpoint paging benchmark: Java %s, %d CPUs, load average %s; work dir %s%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), loadAverage(), work);
        try (PostgresServer db = PostgresServer.start(work.resolve("pg"), 0);
                KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"), 0)) {
            if (!before.isEmpty()) {
                startUp(Path.of(before).toAbsolutePath(), after, starts, db, kafka, work);
            }
            if (endpoints > 0) {
                paging(after, cli, endpoints, serviceHeap, cliHeap, db, kafka, work);
            }
        }
    }

    private static void startUp(Path before, Path after, int starts, PostgresServer db, KafkaBroker kafka, Path work)
            throws Exception {
        List<List<double[]>> results = List.of(new ArrayList<>(), new ArrayList<>());
        List<Path> jars = List.of(before, after);
        for (int arm = 0; arm < 2; arm++) {
            // First start of each arm migrates its own database; not counted.
            db.createDatabaseIfMissing("startup" + arm);
            startOnce(jars.get(arm), "startup" + arm, db, kafka, work, "warm-" + arm);
        }
        for (int round = 0; round < starts; round++) {
            for (int arm = 0; arm < 2; arm++) {
                results.get(arm).add(startOnce(jars.get(arm), "startup" + arm, db, kafka, work, round + "-" + arm));
            }
        }
        for (int arm = 0; arm < 2; arm++) {
            List<double[]> r = results.get(arm);
            System.out.printf(
                    "start-up %s (%s): Quarkus 'started in' %s s, process start to ready %s s, CPU (user+system) to ready"
                            + " %s s; load average %s%n",
                    arm == 0 ? "before" : "after",
                    jars.get(arm),
                    r.stream().map(x -> "%.2f".formatted(x[0])).toList(),
                    r.stream().map(x -> "%.2f".formatted(x[1])).toList(),
                    r.stream().map(x -> "%.2f".formatted(x[2])).toList(),
                    loadAverage());
        }
    }

    private static double[] startOnce(
            Path jar, String database, PostgresServer db, KafkaBroker kafka, Path work, String name) throws Exception {
        int port = freePort();
        Path log = work.resolve("identity-" + name + ".log");
        long t0 = System.nanoTime();
        Process service = start(command(jar, "256m", port, database, db, kafka), log);
        try {
            awaitReady(service, URI.create("http://127.0.0.1:" + port));
            double ready = (System.nanoTime() - t0) / 1e9;
            double cpu = cpuSeconds(service.pid());
            Matcher m = STARTED.matcher(Files.readString(log));
            return new double[] {m.find() ? Double.parseDouble(m.group(1)) : Double.NaN, ready, cpu};
        } finally {
            stop(service);
        }
    }

    /** User plus system CPU time of a process so far (fields 14 and 15 of /proc/PID/stat, in 1/100 s). */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    private static void paging(
            Path jar,
            Path cli,
            int endpoints,
            String serviceHeap,
            String cliHeap,
            PostgresServer db,
            KafkaBroker kafka,
            Path work)
            throws Exception {
        db.createDatabaseIfMissing("paging");
        int port = freePort();
        Process service =
                start(command(jar, serviceHeap, port, "paging", db, kafka), work.resolve("identity-paging.log"));
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + port);
        try {
            awaitReady(service, base);
            send(http, base, "PUT", "/v1/namespaces/bench", "{\"labels\":{\"team\":\"bench\"}}");
            send(http, base, "PUT", "/v1/endpoints/bench/seed", """
                    {"uid":"seed","node":"node-1","ips":["10.99.0.1"],"labels":{"app":"bench"},"serviceAccount":"default"}""");
            long t0 = System.nanoTime();
            try (Connection c = db.dataSource("paging").getConnection();
                    Statement s = c.createStatement()) {
                s.executeUpdate("""
                        INSERT INTO identity.endpoints (namespace, pod, node, identity, document)
                        SELECT 'bench', 'pod-' || lpad(i::text, 6, '0'), 'node-' || (i %% 50), e.identity,
                               jsonb_set(jsonb_set(jsonb_set(e.document,
                                   '{spec,pod}', to_jsonb('pod-' || lpad(i::text, 6, '0'))),
                                   '{spec,node}', to_jsonb('node-' || (i %% 50))),
                                   '{spec,uid}', to_jsonb('uid-' || i))
                        FROM generate_series(1, %d) i, identity.endpoints e WHERE e.pod = 'seed'""".formatted(endpoints - 1));
                s.execute("ANALYZE identity.endpoints");
            }
            System.out.printf(
                    "seeded %,d endpoints in %.1f s (service heap -Xmx%s, CLI heap -Xmx%s)%n",
                    endpoints, (System.nanoTime() - t0) / 1e9, serviceHeap, cliHeap);
            Path dataDir = work.resolve("stack");
            Files.createDirectories(dataDir);
            Files.writeString(dataDir.resolve("stack.json"), """
                    {"launcherPid":1,"components":[{"name":"identity","kind":"service","port":%d,\
                    "url":"http://127.0.0.1:%d","pid":1}]}""".formatted(port, port));
            for (List<String> options : List.of(
                    List.<String>of(),
                    List.of("-o", "json"),
                    List.of("--chunk-size", "5000"),
                    List.of("--chunk-size", "0"))) {
                runCli(cli, cliHeap, dataDir, options, http, base, work);
            }
        } finally {
            stop(service);
        }
    }

    private static void runCli(
            Path cli, String heap, Path dataDir, List<String> options, HttpClient http, URI base, Path work)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "/usr/bin/time",
                "-f",
                "%M",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap,
                "-jar",
                cli.toString(),
                "get",
                "endpoints",
                "--data-dir",
                dataDir.toString()));
        command.addAll(options);
        Path out = work.resolve("cli.out");
        Path err = work.resolve("cli.err");
        long t0 = System.nanoTime();
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        double maxHeap = 0;
        double minHeap = Double.MAX_VALUE;
        while (!process.waitFor(200, TimeUnit.MILLISECONDS)) {
            double used = serviceHeap(http, base);
            maxHeap = Math.max(maxHeap, used);
            minHeap = Math.min(minHeap, used);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<String> errLines = Files.readAllLines(err);
        String rssKb = errLines.isEmpty() ? "?" : errLines.getLast().strip();
        long lines;
        try (var stream = Files.lines(out)) {
            lines = stream.count();
        }
        System.out.printf(
                "tendril get endpoints %s: exit %d in %.1f s, %,d lines out; CLI -Xmx%s max RSS %s MB; service heap used"
                        + " %.0f..%.0f MB while it ran%s%n",
                String.join(" ", options),
                process.exitValue(),
                seconds,
                lines,
                heap,
                rssKb.matches("\\d+") ? Long.toString(Long.parseLong(rssKb) / 1024) : rssKb,
                minHeap == Double.MAX_VALUE ? 0 : minHeap / 1e6,
                maxHeap / 1e6,
                process.exitValue() == 0
                        ? ""
                        : "; stderr: "
                                + errLines.stream()
                                        .filter(l -> !l.matches("\\d+"))
                                        .findFirst()
                                        .orElse(""));
    }

    private static double serviceHeap(HttpClient http, URI base) {
        try {
            String metrics = http.send(
                            HttpRequest.newBuilder(base.resolve("/q/metrics"))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            double sum = 0;
            Matcher m = HEAP.matcher(metrics);
            while (m.find()) {
                sum += Double.parseDouble(m.group(1));
            }
            return sum;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static void send(HttpClient http, URI base, String method, String path, String body) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .method(method, HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
        }
    }

    private static List<String> command(
            Path jar, String heap, int port, String database, PostgresServer db, KafkaBroker kafka) {
        return new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap,
                "--enable-native-access=ALL-UNNAMED",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.datasource.jdbc.url=" + db.jdbcUrl(database),
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

    private static void awaitReady(Process service, URI base) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException(
                        "identity service exited with " + service.exitValue() + " (see its log)");
            }
            try {
                if (http.send(
                                        HttpRequest.newBuilder(base.resolve("/q/health/ready"))
                                                .timeout(Duration.ofSeconds(5))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("identity service at " + base + " not ready in 3 minutes");
    }

    private static int freePort() {
        return dev.tendril.testing.FreePorts.pick();
    }

    private static String loadAverage() {
        return dev.tendril.testing.MachineLoad.averages();
    }
}
