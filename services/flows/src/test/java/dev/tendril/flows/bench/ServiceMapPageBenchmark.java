package dev.tendril.flows.bench;

import dev.tendril.flows.adapters.kafka.FlowsConsumer;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.browser.HeadlessChromium;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Load driver for docs/BENCHMARKS.md "Service map page" (not a test: its name does not end in Test, so only
 * {@code -Dtest=ServiceMapPageBenchmark} runs it, with the {@code bench-ui} profile): the real flows service with
 * Kafka, a producer sending {@code -Dui.rate} (10,000) flows/s steadily (open loop) of one namespace of
 * {@code -Dui.workloads} (500) workloads ({@link ServiceMapTraffic}), and Debian's headless Chromium with the service
 * map page open on that namespace for {@code -Dui.seconds} (60) per stage. Measured in the browser ({@link PageProbe}
 * and the Chrome DevTools Protocol): time to the first and to the complete map, the page's redraws (its
 * requestAnimationFrame callbacks), frame intervals, Long Tasks and Long Animation Frames, the live lag of a new
 * arrow, main-thread time and the JS heap. With {@code -Dui.compare=DIR} ({@link ComparedPageRoute}) another build of
 * the page is measured in the same run, in alternating stages ({@code -Dui.rounds}, 2, of each).
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class ServiceMapPageBenchmark {

    private static final int NODES = 16;
    /** Statistics are given for the first seconds after the page is opened and for the rest apart. */
    private static final double EARLY_MS = 10_000;

    @Inject
    FlowsConsumer ingest;

    private final StringBuilder report = new StringBuilder();

    @Test
    void serviceMapUnderLoad() throws Exception {
        int workloads = Integer.getInteger("ui.workloads", 500);
        int rate = Integer.getInteger("ui.rate", 10_000);
        int seconds = Integer.getInteger("ui.seconds", 60);
        int rounds = Integer.getInteger("ui.rounds", 2);
        int warmup = Integer.getInteger("ui.warmup", 10);
        String compare = System.getProperty("ui.compare", "");
        String base = ConfigProvider.getConfig().getValue("test.url", String.class);
        ServiceMapTraffic traffic =
                new ServiceMapTraffic("bench-" + UUID.randomUUID().toString().substring(0, 6), workloads);
        line(
                "machine: %d CPUs, %s; load average at start %s; namespace of %d workloads: %d boxes, %d arrows on the"
                        + " complete map; %,d flows/s for %d s per stage, after %d s of warm-up",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.version"),
                loadAverage(),
                traffic.workloads(),
                traffic.nodes(),
                traffic.edges(),
                rate,
                seconds,
                warmup);
        List<String[]> pages = new ArrayList<>();
        pages.add(new String[] {"current", "/ui/"});
        if (!compare.isBlank()) {
            pages.add(new String[] {"compared (" + compare + ")", ComparedPageRoute.PATH + "index.html"});
        }
        ChromeDriver browser = browser();
        try (Producer producer = new Producer(traffic.corpus(20_000), rate)) {
            producer.start();
            Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
            browser.executeCdpCommand(
                    "Page.addScriptToEvaluateOnNewDocument", Map.of("source", PageProbe.script(traffic.nodes())));
            // Each page once, not measured: the service's first history query and the browser's caches warm up.
            for (String[] page : pages) {
                browser.get(base + page[1] + "?namespace=" + traffic.namespace);
                Thread.sleep(TimeUnit.SECONDS.toMillis(Integer.getInteger("ui.pagewarmup", 8)));
            }
            for (int round = 0; round < rounds; round++) {
                for (int p = 0; p < pages.size(); p++) {
                    String[] page = pages.get(round % 2 == 0 ? p : pages.size() - 1 - p);
                    new Stage(browser, producer, traffic, page[0] + ", round " + (round + 1))
                            .run(base + page[1] + "?namespace=" + traffic.namespace, seconds);
                }
            }
            line(
                    "producer: %,d flows in all, at most %d ms behind its schedule",
                    producer.sent.get(), producer.behindMillis());
        } finally {
            browser.quit();
        }
        line("load average at end %s", loadAverage());
        Path out = Path.of("target", "service-map-benchmark.txt");
        Files.writeString(out, report);
        System.out.println("written to " + out.toAbsolutePath());
    }

    private static ChromeDriver browser() {
        HeadlessChromium.missing().ifPresent(missing -> {
            throw new IllegalStateException("needs " + missing);
        });
        ChromeDriver browser = HeadlessChromium.open();
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        return browser;
    }

    /** One page open for a while: what it measured. */
    private final class Stage {
        final ChromeDriver browser;
        final Producer producer;
        final ServiceMapTraffic traffic;
        final String name;
        final List<Double> probeLags = new ArrayList<>();
        final List<double[]> pageRenders = new ArrayList<>();
        int probesMissed;

        Stage(ChromeDriver browser, Producer producer, ServiceMapTraffic traffic, String name) {
            this.browser = browser;
            this.producer = producer;
            this.traffic = traffic;
            this.name = name;
        }

        void run(String url, int seconds) throws Exception {
            browser.get("about:blank");
            long sent0 = producer.sent.get();
            long ingested0 = ingest.seenFlows();
            long start = System.nanoTime();
            browser.get(url);
            browser.executeCdpCommand("Performance.enable", Map.of());
            Map<String, Double> metrics0 = metrics();
            long metricsStart = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            ServiceMapTraffic.Probe probe = null;
            long probeSentMillis = 0;
            long lastProbe = start;
            long seq = 0;
            Map<String, Double> metrics10 = null;
            long metrics10At = 0;
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                if (metrics10 == null && now - start >= TimeUnit.MILLISECONDS.toNanos((long) EARLY_MS)) {
                    metrics10 = metrics();
                    metrics10At = now;
                }
                if (probe != null) {
                    Object appeared = js(
                            "const p = window.__bench.probes.find((p) => p[0] === arguments[0]); return p ? p[1] : null;",
                            probe.edgeId());
                    if (appeared != null) {
                        probeLags.add(number(appeared) - probeSentMillis);
                        probe = null;
                    } else if (now - lastProbe > TimeUnit.SECONDS.toNanos(10)) {
                        probesMissed++;
                        js("window.__bench.probe = null;");
                        probe = null;
                    }
                } else if (now - lastProbe > TimeUnit.SECONDS.toNanos(5)) {
                    probe = traffic.probe();
                    js("window.__bench.probe = arguments[0];", probe.edgeId());
                    probeSentMillis = producer.sendNow(probe.flow());
                    lastProbe = now;
                }
                seq = pollPageRenders(seq);
                Thread.sleep(250);
            }
            pollPageRenders(seq);
            long metricsEnd = System.nanoTime();
            Path shot = Path.of("target", "ui", "service-map-" + name.replaceAll("\\W+", "-") + ".png");
            Files.createDirectories(shot.getParent());
            Files.copy(
                    browser.getScreenshotAs(org.openqa.selenium.OutputType.FILE).toPath(),
                    shot,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Map<String, Double> metrics1 = metrics();
            if (metrics10 == null) {
                metrics10 = metrics1;
                metrics10At = metricsEnd;
            }
            browser.executeCdpCommand("HeapProfiler.collectGarbage", Map.of());
            Map<String, Object> heap = browser.executeCdpCommand("Runtime.getHeapUsage", Map.of());
            @SuppressWarnings("unchecked")
            Map<String, Object> b = (Map<String, Object>) js("return window.__bench;");
            long sent = producer.sent.get() - sent0;
            double wall = (System.nanoTime() - start) / 1e9;
            // An EventSource's messages (the probe counts them), or the events the page read itself (tendrilMap).
            long events = Math.max(
                    ((Number) b.get("messages")).longValue(),
                    ((Number) js("return window.tendrilMap ? window.tendrilMap.events : 0;")).longValue());
            long reads = ((Number) js("return window.tendrilMap ? window.tendrilMap.reads || 0 : 0;")).longValue();
            line("[%s]", name);
            line(
                    "  traffic: produced %,d flows in %.1f s (%,.0f/s); the service ingested %,d; the page received %,d"
                            + " events (%,.0f/s) in %,d reads of the stream (0: an EventSource's)",
                    sent, wall, sent / wall, ingest.seenFlows() - ingested0, events, events / wall, reads);
            Object mark = js("const m = performance.getEntriesByName('tendril:first-render')[0];"
                    + " return m ? m.startTime : -1;");
            line(
                    "  first render (ms after navigation start): first box %.0f, all %d boxes %.0f; the page's own"
                            + " tendril:first-render mark %.0f",
                    number(b.get("firstNodes")), traffic.nodes(), number(b.get("allNodes")), number(mark));
            List<double[]> callbacks = pairs(b.get("callbacks"));
            List<double[]> frames = pairs(b.get("frames"));
            List<double[]> longTasks = pairs(b.get("longTasks"));
            List<double[]> loaf = pairs(b.get("loaf"));
            List<?> loafScripts = (List<?>) b.get("loafScripts");
            for (boolean early : new boolean[] {true, false}) {
                String window = early ? "0-10 s" : "10 s-end";
                List<Double> redraws = column(callbacks, early, 1);
                List<Double> intervals = column(frames, early, 1);
                List<Double> tasks = column(longTasks, early, 1);
                List<Double> animationFrames = column(loaf, early, 1);
                List<Double> blocking = column(loaf, early, 2);
                // The page's longest script in a long frame of this window, and what ran it.
                int top = -1;
                for (int i = 0; i < loaf.size(); i++) {
                    if ((loaf.get(i)[0] < EARLY_MS) == early && (top < 0 || loaf.get(i)[4] > loaf.get(top)[4])) {
                        top = i;
                    }
                }
                String longest = top < 0 || loaf.get(top)[4] == 0
                        ? "none"
                        : String.format("%.0f ms (%s)", loaf.get(top)[4], loafScripts.get(top));
                line(
                        "  %s: redraws %d, ms p50 %.1f p95 %.1f p99 %.1f max %.1f; frames %d (%.0f/s), interval ms p50 %.1f"
                                + " p95 %.1f p99 %.1f max %.1f, %d over 50 ms; long tasks %d (max %.0f ms); long animation"
                                + " frames %d (max %.0f ms, blocking max %.0f ms, longest script in one %s)",
                        window,
                        redraws.size(),
                        pct(redraws, 0.50),
                        pct(redraws, 0.95),
                        pct(redraws, 0.99),
                        pct(redraws, 1),
                        intervals.size(),
                        intervals.size() / (early ? EARLY_MS / 1000 : Math.max(1, wall - EARLY_MS / 1000)),
                        pct(intervals, 0.50),
                        pct(intervals, 0.95),
                        pct(intervals, 0.99),
                        pct(intervals, 1),
                        intervals.stream().filter(d -> d > 50).count(),
                        tasks.size(),
                        pct(tasks, 1),
                        animationFrames.size(),
                        pct(animationFrames, 1),
                        pct(blocking, 1),
                        longest);
            }
            line(
                    "  live lag of a new arrow (produced to drawn, +-1 frame): %d probes, ms p50 %.0f max %.0f; %d not"
                            + " drawn within 10 s",
                    probeLags.size(), pct(probeLags, 0.5), pct(probeLags, 1), probesMissed);
            if (!pageRenders.isEmpty()) {
                List<Double> layouts = new ArrayList<>();
                List<Double> updates = new ArrayList<>();
                List<Double> lags = new ArrayList<>();
                for (double[] r : pageRenders) {
                    (r[2] > 0 ? layouts : updates).add(r[1]);
                    if (r[3] >= 0) {
                        lags.add(r[3]);
                    }
                }
                line(
                        "  the page's own timings: %d layouts (ms p50 %.1f max %.1f), %d updates (ms p50 %.2f p95 %.2f"
                                + " p99 %.2f max %.2f); newest flow drawn after (ms) p50 %.0f p95 %.0f max %.0f",
                        layouts.size(),
                        pct(layouts, 0.5),
                        pct(layouts, 1),
                        updates.size(),
                        pct(updates, 0.5),
                        pct(updates, 0.95),
                        pct(updates, 0.99),
                        pct(updates, 1),
                        pct(lags, 0.5),
                        pct(lags, 0.95),
                        pct(lags, 1));
            }
            mainThread("page open to 10 s", metrics0, metrics10, (metrics10At - metricsStart) / 1e9);
            mainThread("10 s to end", metrics10, metrics1, (metricsEnd - metrics10At) / 1e9);
            line(
                    "  JS heap after GC %.1f MB; DOM nodes %.0f; load average %s",
                    number(heap.get("usedSize")) / (1 << 20), metrics1.get("Nodes"), loadAverage());
        }

        /** Main-thread time between two readings of the DevTools Performance metrics. */
        void mainThread(String window, Map<String, Double> from, Map<String, Double> to, double seconds) {
            double task = to.get("TaskDuration") - from.get("TaskDuration");
            double thread = to.get("ThreadTime") - from.get("ThreadTime");
            double process = to.get("ProcessTime") - from.get("ProcessTime");
            line(
                    "  main thread, %s (%.1f s): CPU %.2f s (%.0f%%), renderer process CPU %.2f s (%.0f%%); in tasks %.2f s"
                            + " (%.0f%%): script %.2f s, style %.2f s, layout %.2f s",
                    window,
                    seconds,
                    thread,
                    seconds > 0 ? 100 * thread / seconds : Double.NaN,
                    process,
                    seconds > 0 ? 100 * process / seconds : Double.NaN,
                    task,
                    seconds > 0 ? 100 * task / seconds : Double.NaN,
                    to.get("ScriptDuration") - from.get("ScriptDuration"),
                    to.get("RecalcStyleDuration") - from.get("RecalcStyleDuration"),
                    to.get("LayoutDuration") - from.get("LayoutDuration"));
        }

        /** The page's ring of redraw timings ({@code window.tendrilMap}, docs/ui.md), from {@code seq} on. */
        long pollPageRenders(long seq) {
            Object answer = js("""
                    const m = window.tendrilMap; if (!m) return null;
                    const out = []; const n = m.ms.length;
                    for (let s = Math.max(arguments[0], m.seq - n); s < m.seq; s++) {
                      const i = s % n; out.push([m.at[i], m.ms[i], m.layout[i], m.lag[i]]);
                    }
                    return [m.seq, out];
                    """, seq);
            if (!(answer instanceof List<?> list)) {
                return seq;
            }
            pageRenders.addAll(pairs(list.get(1)));
            return ((Number) list.get(0)).longValue();
        }

        Map<String, Double> metrics() {
            Map<String, Double> out = new java.util.HashMap<>();
            for (Object m : (List<?>) browser.executeCdpCommand("Performance.getMetrics", Map.of())
                    .get("metrics")) {
                Map<?, ?> metric = (Map<?, ?>) m;
                out.put((String) metric.get("name"), number(metric.get("value")));
            }
            return out;
        }

        Object js(String script, Object... args) {
            return browser.executeScript(script, args);
        }
    }

    private static List<double[]> pairs(Object list) {
        List<double[]> out = new ArrayList<>();
        for (Object entry : (List<?>) list) {
            List<?> values = (List<?>) entry;
            double[] row = new double[values.size()];
            for (int i = 0; i < row.length; i++) {
                row[i] = number(values.get(i));
            }
            out.add(row);
        }
        return out;
    }

    /** Column {@code index} of the rows that started in the first 10 s after navigation ({@code early}) or later. */
    private static List<Double> column(List<double[]> rows, boolean early, int index) {
        return rows.stream()
                .filter(r -> (r[0] < EARLY_MS) == early)
                .map(r -> r[index])
                .toList();
    }

    private static double number(Object value) {
        return value == null ? Double.NaN : ((Number) value).doubleValue();
    }

    private static double pct(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get((int) Math.min(sorted.size() - 1, Math.max(0, Math.ceil(p * sorted.size()) - 1)));
    }

    private void line(String format, Object... args) {
        String s = String.format(format, args);
        System.out.println(s);
        report.append(s).append('\n');
    }

    private static String loadAverage() {
        return dev.tendril.testing.MachineLoad.averages();
    }

    /** Sends the corpus at {@code rate} flows/s, paced per millisecond, each flow stamped with the time it is sent. */
    private static final class Producer implements AutoCloseable {
        final byte[][] corpus;
        final int rate;
        final KafkaProducer<String, byte[]> kafka = kafka();
        final String topic = ConfigProvider.getConfig().getValue("tendril.flows.topic", String.class);
        final AtomicLong sent = new AtomicLong();
        final AtomicLong behindNanos = new AtomicLong();
        final Thread thread = new Thread(this::loop, "ui-bench-producer");
        volatile boolean running = true;

        Producer(byte[][] corpus, int rate) {
            this.corpus = corpus;
            this.rate = rate;
        }

        void start() {
            thread.start();
        }

        private void loop() {
            long start = System.nanoTime();
            long count = 0;
            while (running) {
                long now = System.nanoTime();
                long due = (long) ((now - start) / 1e9 * rate);
                if (count >= due) {
                    LockSupport.parkNanos(1_000_000);
                    continue;
                }
                // How far behind the schedule the producer is: the age of the oldest flow due and not yet sent.
                behindNanos.accumulateAndGet(now - start - (long) (count * 1e9 / rate), Math::max);
                long millis = System.currentTimeMillis();
                for (; count < due; count++) {
                    send(corpus[(int) (count % corpus.length)], millis, count);
                }
                sent.set(count);
            }
        }

        private void send(byte[] flow, long millis, long i) {
            kafka.send(new ProducerRecord<>(
                    topic, null, millis, "bench-node-" + (i % NODES), FollowBenchmark.stamped(flow, millis)));
        }

        /** Sends one flow now (the probe); its time. */
        long sendNow(byte[] flow) {
            long millis = System.currentTimeMillis();
            send(flow, millis, 0);
            return millis;
        }

        long behindMillis() {
            return behindNanos.get() / 1_000_000;
        }

        @Override
        public void close() throws Exception {
            running = false;
            thread.join();
            kafka.close();
        }

        private static KafkaProducer<String, byte[]> kafka() {
            Properties p = new Properties();
            p.put(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    ConfigProvider.getConfig().getValue(KafkaTestResource.BOOTSTRAP_SERVERS, String.class));
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            p.put(ProducerConfig.ACKS_CONFIG, "1");
            return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        }
    }
}
