package dev.tendril.agent.bench;

import dev.tendril.agent.bpf.KernelBpfMap;
import dev.tendril.agent.bpf.KernelMapBackend;
import dev.tendril.agent.state.InMemoryMapBackend;
import dev.tendril.agent.state.MapBackend;
import dev.tendril.agent.state.MapReconciler;
import dev.tendril.agent.state.NodeDelta;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.agent.state.NodeMapsWriter;
import dev.tendril.agent.state.StateTopic;
import dev.tendril.api.v1.LbBackend;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.datapath.policymap.IpProtocol;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Load driver for docs/BENCHMARKS.md (not a test; {@code verify} never runs it): what one Service change costs the
 * agent's map writer at a number of Services. The production {@link NodeMapsWriter} gets an image of {@code size}
 * ClusterIP Services (one TCP port, 5 backends each) as a snapshot, then {@code changes} batches of one
 * {@code tendril.services} record each, as {@code NodeStateConsumer} hands them over: a random Service loses its
 * last backend, or gets it back. Each {@link NodeMapsWriter#publish} is timed (wall clock, on the calling thread),
 * on in-memory maps and on real kernel maps pinned in a fresh bpffs directory (removed at the end). At the end a
 * full reconcile says how many LB entries the per-batch writes had left wrong: 0 expected.
 *
 * <p>System properties (defaults): {@code sizes} (100,1000,10000), {@code changes} (200 per size and backend),
 * {@code bpffs} ({@code /sys/fs/bpf}). Without bpf(2) the kernel rows are skipped with the reason.
 */
public final class ServiceChangeBenchmark {

    private static final String NODE = "node-1";
    private static final int BACKENDS = 5;
    private static final int VIP_BASE = 0x0A600000; // 10.96.0.0/12
    private static final int BACKEND_BASE = 0x0A800000; // 10.128.0.0/10

    private ServiceChangeBenchmark() {}

    public static void main(String[] args) throws IOException {
        int[] sizes = Arrays.stream(
                        System.getProperty("sizes", "100,1000,10000").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim()))
                .toArray();
        int changes = Integer.getInteger("changes", 200);
        Path bpffs = Path.of(System.getProperty("bpffs", "/sys/fs/bpf"));
        System.out.printf(
                Locale.ROOT,
                "service change benchmark: sizes %s x %d backends, %d changes each; Java %s, %d CPUs, kernel %s%n",
                Arrays.toString(sizes),
                BACKENDS,
                changes,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.version"));
        String noKernel = KernelBpfMap.unavailableReason().orElse(null);
        if (noKernel != null) {
            System.out.println("kernel maps skipped: " + noKernel);
        }
        System.out.println("warm-up (JIT) at " + sizes[0] + " Services, in memory, not reported");
        run(sizes[0], changes, InMemoryMapBackend::new);
        List<String> rows = new ArrayList<>();
        for (int size : sizes) {
            rows.add(row("in-memory", size, run(size, changes, InMemoryMapBackend::new)));
            if (noKernel == null) {
                Path dir = bpffs.resolve(
                        "tendril-bench-lb-" + UUID.randomUUID().toString().substring(0, 8));
                try {
                    rows.add(row("kernel", size, run(size, changes, () -> new KernelMapBackend(dir))));
                } finally {
                    Files.deleteIfExists(dir); // its pins went with the maps
                }
            }
        }
        System.out.println();
        System.out.println("| maps | services | one Service change p50 | p99 | max |");
        System.out.println("|---|---:|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    private static double[] run(int size, int changes, Supplier<MapBackend> backends) {
        MapBackend backend = backends.get();
        try {
            NodeDelta bootstrap = new NodeDelta(NodeImage.EMPTY);
            for (int i = 0; i < size; i++) {
                bootstrap.replay(
                        StateTopic.SERVICES, key(i), service(i, 1, BACKENDS).toByteArray());
            }
            NodeImage image = bootstrap.apply();
            NodeMapsWriter writer = new NodeMapsWriter(backend, NODE);
            writer.snapshot(image, List.of());
            long[] revision = new long[size];
            Arrays.fill(revision, 1);
            boolean[] shrunk = new boolean[size];
            Random random = new Random(42);
            double[] millis = new double[changes];
            for (int c = 0; c < changes; c++) {
                int i = random.nextInt(size);
                shrunk[i] = !shrunk[i];
                NodeDelta delta = new NodeDelta(image);
                delta.replay(
                        StateTopic.SERVICES,
                        key(i),
                        service(i, ++revision[i], shrunk[i] ? BACKENDS - 1 : BACKENDS)
                                .toByteArray());
                NodeImage next = delta.apply();
                long start = System.nanoTime();
                NodeMapsReconciler.Outcome out = writer.publish(delta, next, List.of());
                millis[c] = (System.nanoTime() - start) / 1e6;
                MapReconciler.Result lb = out.changes().get(NodeMapsWriter.LB_MAPS);
                if (!out.problems().isEmpty() || lb == null || lb.total() != 3) {
                    throw new IllegalStateException("unexpected outcome " + out);
                }
                image = next;
            }
            MapReconciler.Result left = NodeMapsReconciler.reconcile(backend, image, NODE, List.of())
                    .changes()
                    .get(NodeMapsWriter.LB_MAPS);
            System.out.printf(
                    Locale.ROOT,
                    "%s, %,d Services: %,d LB entries; full reconcile after the changes corrected %d%n",
                    backend.describe(),
                    size,
                    writer.lbEntries(),
                    left.total());
            return millis;
        } finally {
            backend.names().forEach(backend::delete);
            backend.close();
        }
    }

    private static String key(int i) {
        return "bench/svc-" + i;
    }

    /** Service {@code i}: ClusterIP 10.96.x.y:80/TCP, backends 10.128.x.y:8080 with ids i*5+1 onward. */
    static ServiceMaps service(int i, long revision, int backends) {
        LbFrontend.Builder frontend = LbFrontend.newBuilder()
                .setAddress(ip(VIP_BASE + i + 1))
                .setPort(80)
                .setProtocol(IpProtocol.TCP)
                .setRevNatIndex(i + 1);
        ServiceMaps.Builder service = ServiceMaps.newBuilder()
                .setNamespace("bench")
                .setName("svc-" + i)
                .setRevision(revision)
                .setType("ClusterIP");
        for (int b = 0; b < backends; b++) {
            int id = i * BACKENDS + b + 1;
            frontend.addBackendIds(id);
            service.addBackends(LbBackend.newBuilder()
                    .setId(id)
                    .setAddress(ip(BACKEND_BASE + id))
                    .setPort(8080)
                    .setProtocol(IpProtocol.TCP)
                    .setNode("node-" + (b + 2)));
        }
        return service.addFrontends(frontend).build();
    }

    private static String ip(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }

    private static String row(String maps, int size, double[] millis) {
        return String.format(
                Locale.ROOT,
                "| %s | %,d | %.3f ms | %.3f ms | %.3f ms |",
                maps,
                size,
                percentile(millis, 50),
                percentile(millis, 99),
                Arrays.stream(millis).max().orElse(0));
    }

    private static double percentile(double[] values, double p) {
        return ServicesBenchmark.percentile(values, p);
    }
}
