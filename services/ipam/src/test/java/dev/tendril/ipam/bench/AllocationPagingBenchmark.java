package dev.tendril.ipam.bench;

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
 * Load driver for docs/BENCHMARKS.md "IPAM and policy lists in pages (issue 21)" (not a test; verify never runs it).
 * Starts PostgreSQL and Kafka as the tests do and the packaged IPAM service as a separate JVM ({@code
 * -Dservice.heap}), puts {@code -Dallocations} (100,000) allocations over 400 nodes in the read model (one node
 * registered over REST, the rows made in SQL: the list reads the read model, whichever way its rows came), then:
 *
 * <ol>
 *   <li>walks {@code GET /v1/allocations?limit=500} page by page over HTTP, timing each page, to compare the first
 *       pages with the deepest;
 *   <li>runs the real CLI ({@code -Dcli.jar}, its own JVM with {@code -Dcli.heap}) {@code tendril get allocations}
 *       (chunks of 500), with {@code -o json}, and with {@code --chunk-size 0} (one answer, as before paging),
 *       sampling the service's heap from {@code /q/metrics} every 200 ms while each runs.
 * </ol>
 *
 * <pre>./mvnw -B -o -q -pl services/ipam -am package -DskipTests; ./mvnw -B -o -q -pl cli -am package -DskipTests
 * ./mvnw -B -o -q -pl services/ipam -am test-compile -Pbench-paging [-Dallocations=100000 -Dservice.heap=128m -Dcli.heap=32m]</pre>
 */
public final class AllocationPagingBenchmark {

    private static final Pattern HEAP = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*} ([0-9.E+]+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private AllocationPagingBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(System.getProperty("bench.jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        Path cli = Path.of(System.getProperty("cli.jar", "../../cli/target/tendril-cli.jar"))
                .toAbsolutePath();
        int allocations = Integer.getInteger("allocations", 100_000);
        String serviceHeap = System.getProperty("service.heap", "128m");
        String cliHeap = System.getProperty("cli.heap", "32m");
        Path work = Files.createTempDirectory("tendril-ipam-paging-bench-");
        System.out.printf(
                "allocation paging benchmark: Java %s, %d CPUs, load average %s; work dir %s%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), loadAverage(), work);
        try (PostgresServer db = PostgresServer.start(work.resolve("pg"), 0);
                KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"), 0)) {
            db.createDatabaseIfMissing("paging");
            int port = freePort();
            URI base = URI.create("http://127.0.0.1:" + port);
            Process service = start(
                    List.of(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-Xmx" + serviceHeap,
                            "--enable-native-access=ALL-UNNAMED",
                            "-Dquarkus.http.port=" + port,
                            "-Dquarkus.datasource.jdbc.url=" + db.jdbcUrl("paging"),
                            "-Dquarkus.datasource.username=" + db.username(),
                            "-Dquarkus.datasource.password=" + db.password(),
                            "-Dkafka.bootstrap.servers=" + kafka.bootstrapServers(),
                            "-jar",
                            jar.toString()),
                    work.resolve("ipam.log"));
            try {
                awaitReady(service, base);
                send("PUT", base.resolve("/v1/nodes/node-0"), "{\"ips\":[\"192.168.0.10\"]}");
                long t0 = System.nanoTime();
                try (Connection c = db.dataSource("paging").getConnection();
                        Statement s = c.createStatement()) {
                    // Addresses from 10.128.0.0 up, one node per 250, allocated a millisecond apart.
                    s.executeUpdate("""
                            INSERT INTO ipam.ipam_allocations (ip, node, family, owner, uid, allocated_at, confirmed)
                            SELECT '10.' || (128 + i / 65536) || '.' || (i / 256 %% 256) || '.' || (i %% 256),
                                   'node-' || (i / 250), 'ipv4', 'bench/pod-' || i, 'uid-' || i,
                                   now() + i * interval '1 millisecond', i %% 3 <> 0
                            FROM generate_series(0, %d) i""".formatted(allocations - 1));
                    s.execute("ANALYZE ipam.ipam_allocations");
                }
                System.out.printf(
                        "seeded %,d allocations in %.1f s (service heap -Xmx%s, CLI heap -Xmx%s)%n",
                        allocations, (System.nanoTime() - t0) / 1e9, serviceHeap, cliHeap);
                pages(base);
                Path dataDir = work.resolve("stack");
                Files.createDirectories(dataDir);
                Files.writeString(dataDir.resolve("stack.json"), """
                        {"launcherPid":1,"components":[{"name":"ipam","kind":"service","port":%d,\
                        "url":"http://127.0.0.1:%d","pid":1}]}""".formatted(port, port));
                for (List<String> options :
                        List.of(List.<String>of(), List.of("-o", "json"), List.of("--chunk-size", "0"))) {
                    runCli(cli, cliHeap, dataDir, options, base, work);
                }
            } finally {
                service.destroy();
                if (!service.waitFor(20, TimeUnit.SECONDS)) {
                    service.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** Every page of 500 over HTTP, timed: the first ten against the last ten. */
    private static void pages(URI base) throws Exception {
        List<Double> millis = new ArrayList<>();
        String token = null;
        long rows = 0;
        do {
            String query = "/v1/allocations?limit=500" + (token == null ? "" : "&continue=" + token);
            long t0 = System.nanoTime();
            HttpResponse<String> page = HTTP.send(
                    HttpRequest.newBuilder(base.resolve(query)).GET().build(), HttpResponse.BodyHandlers.ofString());
            millis.add((System.nanoTime() - t0) / 1e6);
            if (page.statusCode() != 200) {
                throw new IllegalStateException(query + ": " + page.statusCode() + " " + page.body());
            }
            rows += page.body().split("\"ip\":").length - 1;
            token = page.headers().firstValue("Tendril-Continue").orElse(null);
        } while (token != null);
        System.out.printf(
                "GET /v1/allocations?limit=500: %d pages, %,d rows; ms per page, pages 1-10 %s, last 10 %s; load average"
                        + " %s%n",
                millis.size(),
                rows,
                median(millis.subList(0, Math.min(10, millis.size()))),
                median(millis.subList(Math.max(0, millis.size() - 10), millis.size())),
                loadAverage());
    }

    private static String median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return "median %.1f (min %.1f, max %.1f)"
                .formatted(sorted.get(sorted.size() / 2), sorted.getFirst(), sorted.getLast());
    }

    private static void runCli(Path cli, String heap, Path dataDir, List<String> options, URI base, Path work)
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
                "allocations",
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
            double used = serviceHeap(base);
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
                "tendril get allocations %s: exit %d in %.1f s, %,d lines out; CLI -Xmx%s max RSS %s MB; service heap"
                        + " used %.0f..%.0f MB while it ran; load average %s%s%n",
                String.join(" ", options),
                process.exitValue(),
                seconds,
                lines,
                heap,
                rssKb.matches("\\d+") ? Long.toString(Long.parseLong(rssKb) / 1024) : rssKb,
                minHeap == Double.MAX_VALUE ? 0 : minHeap / 1e6,
                maxHeap / 1e6,
                loadAverage(),
                process.exitValue() == 0
                        ? ""
                        : "; stderr: "
                                + errLines.stream()
                                        .filter(l -> !l.matches("\\d+"))
                                        .findFirst()
                                        .orElse(""));
    }

    private static double serviceHeap(URI base) {
        try {
            String metrics = HTTP.send(
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

    private static void send(String method, URI uri, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(uri)
                        .method(method, HttpRequest.BodyPublishers.ofString(body))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + uri + ": " + response.statusCode() + " " + response.body());
        }
    }

    private static Process start(List<String> command, Path log) throws IOException {
        return new ProcessBuilder(command)
                .directory(log.getParent().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static void awaitReady(Process service, URI base) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("ipam service exited with " + service.exitValue() + " (see its log)");
            }
            try {
                if (HTTP.send(
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
        throw new IllegalStateException("ipam service at " + base + " not ready in 3 minutes");
    }

    private static int freePort() {
        return dev.tendril.testing.FreePorts.pick();
    }

    private static String loadAverage() {
        return dev.tendril.testing.MachineLoad.averages();
    }
}
