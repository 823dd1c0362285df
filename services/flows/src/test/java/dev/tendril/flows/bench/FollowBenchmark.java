package dev.tendril.flows.bench;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.tendril.api.hubble.observer.GetFlowsRequest;
import dev.tendril.api.hubble.observer.ObserverGrpc;
import dev.tendril.flows.adapters.FlowQueries;
import dev.tendril.flows.adapters.kafka.FlowsConsumer;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
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
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Load driver for docs/BENCHMARKS.md "Follow" (not a test: its name does not end in Test, so only
 * {@code -Dtest=FollowBenchmark} runs it, with the {@code bench-follow} profile for its heap): the real flows service
 * (Quarkus, its Kafka ingest, its gRPC Observer) with {@code -Dfollow.clients} (10) concurrent
 * {@code GetFlows(follow=true)} streams, each on its own connection as separate {@code hubble observe -f}
 * processes would be, while a producer writes flows to the flows topic at each rate of
 * {@code -Dfollow.rates} (flows/s, comma-separated) for {@code -Dfollow.seconds} each. Every flow carries
 * its production time; each client's lag is its receive time minus that time. Per stage it prints the
 * rate produced, what each client received, lag p50/p99/max over all clients and the lost events (the
 * LostEvent messages the clients got, and {@code hubble_lost_events_total}).
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class FollowBenchmark {

    private static final int NODES = 16;
    /** Lag histogram: 1 ms buckets up to 60 s. */
    private static final int BUCKETS = 60_000;

    @Inject
    FlowQueries queries;

    @Inject
    FlowsConsumer ingest;

    @Test
    void follow() throws Exception {
        int clients = Integer.getInteger("follow.clients", 10);
        int seconds = Integer.getInteger("follow.seconds", 10);
        List<Integer> rates = Arrays.stream(System.getProperty("follow.rates", "5000,20000,50000,100000,200000")
                        .split(","))
                .map(String::trim)
                .map(Integer::valueOf)
                .toList();
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        StringBuilder report = new StringBuilder();
        line(
                report,
                "machine: %d CPUs, max heap %d MB, %s; load average at start %s; clients decode %s",
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.vm.version"),
                loadAverage(),
                FULL_DECODE ? "every response" : "the flow time and lost count only");
        awaitReady(base);

        List<Client> followers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            followers.add(new Client(base));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> queries.activeFollowers() >= clients);

        try (KafkaProducer<String, byte[]> producer = producer()) {
            String topic = ConfigProvider.getConfig().getValue("tendril.flows.topic", String.class);
            byte[][] corpus = corpus();
            for (int rate : rates) {
                followers.forEach(Client::reset);
                double lostBefore = lostTotal(base);
                long cpu0 = cpuNanos();
                java.util.Map<String, Long> threads0 = cpuByPart();
                long seenBefore = ingest.seenFlows();
                long start = System.nanoTime();
                long produced = produce(producer, topic, corpus, rate, seconds);
                double producedSeconds = (System.nanoTime() - start) / 1e9;
                // Until every client got every flow, or said it lost some, or nothing moved for 10 s.
                long[] ingested = {0};
                awaitDrained(followers, produced, () -> {
                    if (ingested[0] == 0 && ingest.seenFlows() - seenBefore >= produced) {
                        ingested[0] = System.nanoTime();
                    }
                });
                double ingestSeconds = ingested[0] == 0 ? Double.NaN : (ingested[0] - start) / 1e9;
                long cpu = cpuNanos() - cpu0;
                java.util.Map<String, Long> threads1 = cpuByPart();
                double stageSeconds = (System.nanoTime() - start) / 1e9;
                long[] histogram = new long[BUCKETS];
                long received = 0;
                long lostMessages = 0;
                long maxLag = 0;
                List<String> perClient = new ArrayList<>();
                for (Client c : followers) {
                    for (int b = 0; b < BUCKETS; b++) {
                        histogram[b] += c.lag.get(b);
                    }
                    received += c.received.get();
                    lostMessages += c.lost.get();
                    maxLag = Math.max(maxLag, c.maxLagMillis.get());
                    perClient.add(c.received.get() + "/" + c.maxLagMillis.get() + "ms");
                }
                line(
                        report,
                        "target %,d flows/s: produced %,d in %.1f s = %,.0f flows/s; clients received %,d of %,d"
                                + " (%.1f%%); lag p50 %d ms, p99 %d ms, max %d ms; lost: %,d in LostEvent messages,"
                                + " hubble_lost_events_total +%,.0f; process CPU %.1f s over %.1f s (%.2f cores); load %s;"
                                + " the service had ingested every flow %.1f s after the stage began",
                        rate,
                        produced,
                        producedSeconds,
                        produced / producedSeconds,
                        received,
                        produced * clients,
                        100.0 * received / (produced * clients),
                        percentile(histogram, 0.50),
                        percentile(histogram, 0.99),
                        maxLag,
                        lostMessages,
                        lostTotal(base) - lostBefore,
                        cpu / 1e9,
                        stageSeconds,
                        cpu / 1e9 / stageSeconds,
                        loadAverage(),
                        ingestSeconds);
                line(report, "  per client (received/max lag): %s", String.join(", ", perClient));
                StringBuilder parts = new StringBuilder();
                for (String part : List.of("ingest", "service", "clients", "broker", "producer")) {
                    long nanos = threads1.getOrDefault(part, 0L) - threads0.getOrDefault(part, 0L);
                    parts.append(
                            String.format(" %s %.1f s (%.2f cores);", part, nanos / 1e9, nanos / 1e9 / stageSeconds));
                }
                line(report, "  CPU by part (platform threads; virtual threads count on their carriers):%s", parts);
            }
        } finally {
            followers.forEach(Client::close);
        }
        Path out = Path.of("target", "follow-benchmark.txt");
        Files.writeString(out, report);
        System.out.println("written to " + out.toAbsolutePath());
    }

    /**
     * What a client measures of one response: the flow's time (ms, -1 for no flow) or the flows a
     * LostEvent reports.
     */
    record Seen(long flowMillis, long lost) {}

    /**
     * By default the clients decode only what they measure, straight from the response's bytes: they stand
     * for {@code hubble observe} processes on other machines, and a full decode per message here would
     * spend this JVM's cores on the clients rather than the service. {@code -Dfollow.decode=full} parses
     * each response with the generated stubs instead.
     */
    static final boolean FULL_DECODE = "full".equals(System.getProperty("follow.decode"));

    static final MethodDescriptor<GetFlowsRequest, Seen> SEEN = ObserverGrpc.getGetFlowsMethod().toBuilder(
                    ObserverGrpc.getGetFlowsMethod().getRequestMarshaller(), new MethodDescriptor.Marshaller<Seen>() {
                        @Override
                        public InputStream stream(Seen value) {
                            throw new UnsupportedOperationException("the clients only receive");
                        }

                        @Override
                        public Seen parse(InputStream stream) {
                            try {
                                return seen(CodedInputStream.newInstance(stream));
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }
                    })
            .build();

    /** GetFlowsResponse: flow (1) → time (1) → seconds (1), nanos (2); lost_events (3) → num_events_lost (2). */
    private static Seen seen(CodedInputStream in) throws IOException {
        long flowMillis = -1;
        long lost = 0;
        for (int tag; (tag = in.readTag()) != 0; ) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1 || field == 3) {
                int limit = in.pushLimit(in.readRawVarint32());
                for (int inner; (inner = in.readTag()) != 0; ) {
                    int number = WireFormat.getTagFieldNumber(inner);
                    if (field == 1 && number == 1) {
                        int time = in.pushLimit(in.readRawVarint32());
                        long seconds = 0;
                        long nanos = 0;
                        for (int t; (t = in.readTag()) != 0; ) {
                            switch (WireFormat.getTagFieldNumber(t)) {
                                case 1 -> seconds = in.readInt64();
                                case 2 -> nanos = in.readInt32();
                                default -> in.skipField(t);
                            }
                        }
                        in.popLimit(time);
                        flowMillis = seconds * 1000 + nanos / 1_000_000;
                    } else if (field == 3 && number == 2) {
                        lost = in.readUInt64();
                    } else {
                        in.skipField(inner);
                    }
                }
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        return new Seen(flowMillis, lost);
    }

    /** One {@code hubble observe -f}: its own channel and stream, counting what it receives. */
    private static final class Client {
        final ManagedChannel channel;
        final Context.CancellableContext context = Context.current().withCancellation();
        final AtomicLongArray lag = new AtomicLongArray(BUCKETS);
        final AtomicLong received = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong maxLagMillis = new AtomicLong();
        final AtomicLong lastMove = new AtomicLong(System.nanoTime());

        Client(URI base) {
            // Direct executor: each response is measured on the connection's own thread, with no hand-off
            // per message to another thread (which cost this JVM a wake-up per message).
            channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                    .usePlaintext()
                    .directExecutor()
                    .maxInboundMessageSize(16 << 20)
                    .build();
            GetFlowsRequest request =
                    GetFlowsRequest.newBuilder().setFollow(true).build();
            context.run(() -> {
                if (FULL_DECODE) {
                    ObserverGrpc.newStub(channel)
                            .getFlows(
                                    request,
                                    new Observer<>(r -> seen(new Seen(
                                            r.hasFlow()
                                                    ? r.getFlow().getTime().getSeconds() * 1000
                                                            + r.getFlow()
                                                                            .getTime()
                                                                            .getNanos()
                                                                    / 1_000_000
                                                    : -1,
                                            r.hasLostEvents()
                                                    ? r.getLostEvents().getNumEventsLost()
                                                    : 0))));
                } else {
                    ClientCalls.asyncServerStreamingCall(
                            channel.newCall(SEEN, CallOptions.DEFAULT), request, new Observer<>(this::seen));
                }
            });
        }

        /** Counts every response; the stream ends with an error when the client is closed. */
        private record Observer<T>(java.util.function.Consumer<T> each) implements StreamObserver<T> {
            @Override
            public void onNext(T value) {
                each.accept(value);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        }

        private void seen(Seen r) {
            long now = System.currentTimeMillis();
            if (r.lost() > 0) {
                lost.addAndGet(r.lost());
            } else if (r.flowMillis() >= 0) {
                long l = Math.max(0, now - r.flowMillis());
                lag.incrementAndGet((int) Math.min(BUCKETS - 1, l));
                maxLagMillis.accumulateAndGet(l, Math::max);
                received.incrementAndGet();
            }
            lastMove.set(System.nanoTime());
        }

        void reset() {
            for (int b = 0; b < BUCKETS; b++) {
                lag.set(b, 0);
            }
            received.set(0);
            lost.set(0);
            maxLagMillis.set(0);
        }

        void close() {
            context.cancel(null);
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sends {@code rate} flows/s for {@code seconds}, paced per 10 ms; each flow's time is when it is sent. */
    private static long produce(
            KafkaProducer<String, byte[]> producer, String topic, byte[][] corpus, int rate, int seconds) {
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long sent = 0;
        int i = 0;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            long due = (long) ((now - start) / 1e9 * rate);
            if (sent >= due) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                continue;
            }
            long millis = System.currentTimeMillis();
            for (; sent < due; sent++, i++) {
                byte[] body = corpus[i % corpus.length];
                producer.send(
                        new ProducerRecord<>(topic, null, millis, "bench-node-" + (i % NODES), stamped(body, millis)));
            }
        }
        producer.flush();
        return sent;
    }

    /**
     * The corpus flow with its time field prepended: fields may come in any order on the wire, so this is
     * the flow with {@code time} set, without building a message per flow.
     */
    static byte[] stamped(byte[] body, long millis) {
        ByteArrayOutputStream time = new ByteArrayOutputStream(16);
        time.write(0x08); // seconds, varint
        varint(time, millis / 1000);
        time.write(0x10); // nanos, varint
        varint(time, (millis % 1000) * 1_000_000);
        byte[] t = time.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + t.length + 2);
        out.write(0x0A); // field 1 (time), length-delimited
        out.write(t.length);
        out.write(t, 0, t.length);
        out.write(body, 0, body.length);
        return out.toByteArray();
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** FlowsLoadDriver's corpus (16 nodes, 400 pods, every fifth flow dropped), without times and nodes. */
    private static byte[][] corpus() throws Exception {
        byte[][] base = FlowsLoadDriver.corpus(8192);
        byte[][] out = new byte[base.length][];
        for (int i = 0; i < base.length; i++) {
            var flow = dev.tendril.api.hubble.flow.Flow.parseFrom(base[i]).toBuilder();
            flow.clearTime().setNodeName("bench-node-" + (i % NODES));
            out[i] = flow.build().toByteArray();
        }
        return out;
    }

    /**
     * Until every client got every flow or was told it lost the rest, nothing reached a client for 10 s, or
     * two minutes passed: what is still missing then counts as behind.
     */
    private static void awaitDrained(List<Client> followers, long produced, Runnable check) {
        long quiet = TimeUnit.SECONDS.toNanos(10);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline
                && !followers.stream()
                        .allMatch(c -> c.received.get() + c.lost.get() >= produced
                                || System.nanoTime() - c.lastMove.get() > quiet)) {
            check.run();
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue(KafkaTestResource.BOOTSTRAP_SERVERS, String.class));
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static void awaitReady(URI base) {
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> http.send(
                                        HttpRequest.newBuilder(base.resolve("/q/health/ready"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .statusCode()
                        == 200);
    }

    /** The sum of {@code hubble_lost_events_total} over its series, from /q/metrics. */
    private static double lostTotal(URI base) throws Exception {
        String metrics = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(base.resolve("/q/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        return metrics.lines()
                .filter(l -> l.startsWith("hubble_lost_events_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static long percentile(long[] histogram, double p) {
        long total = Arrays.stream(histogram).sum();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(p * total);
        long seen = 0;
        for (int b = 0; b < histogram.length; b++) {
            seen += histogram[b];
            if (seen >= rank) {
                return b;
            }
        }
        return histogram.length - 1;
    }

    private static void line(StringBuilder report, String format, Object... args) {
        String s = String.format(format, args);
        System.out.println(s);
        report.append(s).append('\n');
    }

    /**
     * CPU time of this JVM's live threads by part: the 10 clients (grpc-java's threads: the service
     * serves gRPC with vert.x), the in-process broker, the producer (and this test's thread), and the rest,
     * the service's ingest thread, and the rest of the service (vert.x event loops, the carriers of the
     * follow loops' virtual threads).
     */
    private static java.util.Map<String, Long> cpuByPart() {
        var bean = ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> parts = new java.util.HashMap<>();
        for (var info : bean.getThreadInfo(bean.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long nanos = bean.getThreadCpuTime(info.getThreadId());
            if (nanos < 0) {
                continue;
            }
            String name = info.getThreadName();
            String part;
            if (name.equals("flows-ingest")) {
                part = "ingest";
            } else if (name.startsWith("grpc-")) {
                part = "clients";
            } else if (name.startsWith("kafka-producer") || name.equals("main")) {
                part = "producer";
            } else if (name.startsWith("data-plane-kafka")
                    || name.startsWith("kafka-")
                    || name.startsWith("quorum-controller")
                    || name.startsWith("broker-")
                    || name.startsWith("controller-")
                    || name.startsWith("raft-")
                    || name.contains("-metadata-")) {
                part = "broker";
            } else {
                part = "service";
            }
            parts.merge(part, nanos, Long::sum);
        }
        return parts;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static String loadAverage() {
        return dev.tendril.testing.MachineLoad.averages();
    }
}
