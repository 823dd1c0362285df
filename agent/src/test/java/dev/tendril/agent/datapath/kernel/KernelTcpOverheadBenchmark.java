package dev.tendril.agent.datapath.kernel;

import static dev.tendril.agent.datapath.kernel.TestPolicies.entry;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Load driver for docs/BENCHMARKS.md (not a test; {@code verify} never runs it): TCP between two pods with the
 * tc programs attached to both pods' veths against the same pods without them (issue 14's benchmark (b)).
 * Connection rate: connect, one-byte request and echo, close with RST (SO_LINGER 0, so no TIME_WAIT runs the
 * ports out), one after the other from the client's namespace. Request latency: 64-byte round trips over one
 * open connection, p50 and p99. The server is the test echo server (one Java selector thread), so the
 * figures are of a Java request/response, as a Java service's would be; the programs' share is what
 * differs between the columns. Phases alternate (without; with the programs as cls_bpf filters and as tcx links,
 * in turn first; without, ...) and are short, so a load change on the machine hits every arm, and the medians over
 * many phases are compared. On a kernel without tcx the tcx arm is left out. The machine is noisy (a
 * shared 2-vCPU box), so the driver also reads the programs' own run time from the kernel
 * ({@code kernel.bpf_stats_enabled}, which it sets for the run: run_time_ns and run_cnt of both programs,
 * BPF_OBJ_GET_INFO_BY_FD) around every with-phase's connections, and prints the programs' nanoseconds per
 * connection and per run beside the difference in time per connection between the two columns.
 *
 * <p>System properties: {@code connections} per phase (default 1000), {@code requests} per phase
 * (default 5000), {@code rounds} (pairs of phases, default 15), {@code reportForwarded} (default true: an
 * event per new allowed connection goes to the ring buffer and the agent's reader, as with Hubble's policy
 * verdicts; false: drops only), {@code pinCpu} (default -1: threads run on any CPU; n: every thread on CPU n), {@code warmup} (phases before the
 * measured ones, default 8).
 * Needs root.
 */
public final class KernelTcpOverheadBenchmark {
    private static final long CLIENT = 1001;
    private static final long SERVER = 1002;

    private KernelTcpOverheadBenchmark() {}

    /**
     * One phase's figures; {@code programNanos} and {@code programRuns} are the programs' run time and runs
     * during its connections, {@code requestNanos} and {@code requestRuns} during its requests (0 without
     * programs or without bpf_stats).
     */
    record Phase(
            double connectionsPerSecond,
            double p50Micros,
            double p99Micros,
            long programNanos,
            long programRuns,
            long requestNanos,
            long requestRuns) {}

    /** {@code struct bpf_prog_info}: run_time_ns at 192, run_cnt at 200 (Linux 5.1+); 232 B as of 6.x. */
    private static final long PROG_INFO_SIZE = 232;

    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    /** Phases per arm with bpf_stats on, after the timed ones, for the programs' own run time. */
    private static final int PROFILED_ROUNDS = 3;

    public static void main(String[] args) {
        if (!KernelTestSupport.available()) {
            System.out.println("TCP overhead benchmark skipped: the kernel datapath is not available here");
            return;
        }
        int connections = Integer.getInteger("connections", 1000);
        int requests = Integer.getInteger("requests", 5000);
        int rounds = Integer.getInteger("rounds", 15);
        boolean reportForwarded = Boolean.parseBoolean(System.getProperty("reportForwarded", "true"));
        int pinCpu = Integer.getInteger("pinCpu", -1);
        int warmup = Integer.getInteger("warmup", 8);
        if (pinCpu >= 0) {
            pin(pinCpu);
        }
        System.out.printf(
                Locale.ROOT,
                "TCP overhead benchmark: %,d connections and %,d requests per phase, %d rounds,"
                        + " allowed verdicts reported %s, %s, Java %s, %d CPUs, kernel %s%n",
                connections,
                requests,
                rounds,
                reportForwarded,
                pinCpu >= 0 ? "every thread on CPU " + pinCpu : "threads on any CPU",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.version"));
        Map<String, Long> pods = new LinkedHashMap<>();
        pods.put("client", CLIENT);
        pods.put("server", SERVER);
        String statsBefore = readStats();
        // Timed phases run without bpf_stats: it reads the clock twice around every program run, a cost of its own.
        writeStats("0");
        try (KernelCluster cluster = KernelCluster.withoutDatapath(pods, Map.of(), List.of(80), List.of())) {
            KernelCluster.Pod client = cluster.pod("client");
            InetAddress server = cluster.pod("server").ipv4();
            cluster.apply(Map.of(
                    CLIENT,
                            SubjectPolicyMap.newBuilder()
                                    .setSubject((int) CLIENT)
                                    .addEntries(entry(
                                            PolicyMapKey.of(SERVER, Direction.EGRESS, IpProtocol.TCP, 80),
                                            false,
                                            "np/client"))
                                    .build(),
                    SERVER,
                            SubjectPolicyMap.newBuilder()
                                    .setSubject((int) SERVER)
                                    .addEntries(entry(
                                            PolicyMapKey.of(CLIENT, Direction.INGRESS, IpProtocol.TCP, 80),
                                            false,
                                            "np/server"))
                                    .build()));
            KernelDatapathConfig config = KernelDatapathConfig.defaults();
            cluster.loadDatapath(config.withReportForwarded(reportForwarded));
            boolean tcx = cluster.datapath.attachMode().equals("tcx");
            List<KernelDatapath.Attachment> attached = cluster.datapath.attachments();
            int[] programs = {
                Pins.open(cluster.pinDir.resolve(ProgramLoader.FROM_CONTAINER)),
                Pins.open(cluster.pinDir.resolve(ProgramLoader.TO_CONTAINER))
            };
            List<Phase> without = new ArrayList<>();
            List<Phase> withTc = new ArrayList<>();
            List<Phase> withTcx = new ArrayList<>();
            // Warm-up with the programs attached, until the JIT has compiled the client's and the echo server's paths
            // (the first phases of a run are several times slower otherwise, on one CPU most of all).
            for (int i = 0; i < warmup; i++) {
                measure(client, server, connections, requests, programs);
            }
            for (int round = 0; round < rounds; round++) {
                attached.forEach(cluster.datapath::detach);
                without.add(report(
                        "without programs", measure(client, server, connections, requests, new int[0]), connections));
                // The same programs and maps on either hook; which goes first alternates by round.
                boolean tcFirst = round % 2 == 0 || !tcx;
                for (boolean onTc : tcx ? new boolean[] {tcFirst, !tcFirst} : new boolean[] {true}) {
                    attachArm(cluster, attached, onTc && tcx, programs);
                    Phase p = measure(client, server, connections, requests, programs);
                    (onTc ? withTc : withTcx)
                            .add(report(onTc ? "with, tc filters" : "with, tcx links", p, connections));
                    detachArm(cluster, attached, onTc && tcx);
                }
            }
            // The programs' own run time, from phases of their own with bpf_stats on.
            writeStats("1");
            List<Phase> profiledTc = new ArrayList<>();
            List<Phase> profiledTcx = new ArrayList<>();
            for (int round = 0; round < PROFILED_ROUNDS; round++) {
                for (boolean onTc : tcx ? new boolean[] {true, false} : new boolean[] {true}) {
                    attachArm(cluster, attached, onTc && tcx, programs);
                    (onTc ? profiledTc : profiledTcx)
                            .add(report(
                                    onTc ? "profiled, tc" : "profiled, tcx",
                                    measure(client, server, connections, requests, programs),
                                    connections));
                    detachArm(cluster, attached, onTc && tcx);
                }
            }
            Arrays.stream(programs).forEach(Pins::close);
            summary("tc filters (cls_bpf)", without, withTc, profiledTc, connections, requests);
            if (tcx) {
                summary("tcx links", without, withTcx, profiledTcx, connections, requests);
            }
            System.out.printf(
                    Locale.ROOT,
                    "verdict events read %d, lost %d%n",
                    cluster.events.size(),
                    cluster.datapath.lostEvents());
        } finally {
            writeStats(statsBefore);
        }
    }

    /**
     * Attaches the programs as the datapath does (tcx where it has it), or as cls_bpf filters when {@code asFilters}:
     * the same programs and maps either way.
     */
    private static void attachArm(
            KernelCluster cluster, List<KernelDatapath.Attachment> attached, boolean asFilters, int[] programs) {
        for (KernelDatapath.Attachment a : attached) {
            cluster.datapath.attach(a.endpointId(), a.netns(), a.interfaceName(), a.addresses());
            if (asFilters) {
                TcxLinks.detach(cluster.pinDir, a.endpointId());
                TcFilters.attach(a.netns(), a.ifindex(), programs[0], programs[1]);
            }
        }
    }

    /** Takes the filters off again and empties CT, so that the next phase starts from new connections. */
    private static void detachArm(KernelCluster cluster, List<KernelDatapath.Attachment> attached, boolean asFilters) {
        if (asFilters) {
            attached.forEach(a -> TcFilters.detach(a.netns(), a.ifindex()));
        }
        cluster.datapath.flushConntrack();
    }

    /**
     * The arm's medians and best phases against the phases without programs, and the programs' own run time from the
     * profiled phases.
     */
    private static void summary(
            String arm, List<Phase> without, List<Phase> with, List<Phase> profiled, int connections, int requests) {
        Phase off = median(without);
        Phase on = median(with);
        System.out.printf(
                Locale.ROOT,
                "%s, median: connections/s %.0f -> %.0f (%+.1f%%), request p50 %.1f -> %.1f us"
                        + " (%+.1f%%), p99 %.1f -> %.1f us (%+.1f%%)%n",
                arm,
                off.connectionsPerSecond(),
                on.connectionsPerSecond(),
                percent(on.connectionsPerSecond(), off.connectionsPerSecond()),
                off.p50Micros(),
                on.p50Micros(),
                percent(on.p50Micros(), off.p50Micros()),
                off.p99Micros(),
                on.p99Micros(),
                percent(on.p99Micros(), off.p99Micros()));
        // Other load on the machine only ever slows a phase down: the best phase of each column is the
        // figure it disturbs least.
        double bestOff =
                without.stream().mapToDouble(Phase::connectionsPerSecond).max().orElse(0);
        double bestOn =
                with.stream().mapToDouble(Phase::connectionsPerSecond).max().orElse(0);
        double fastestOff = without.stream().mapToDouble(Phase::p50Micros).min().orElse(0);
        double fastestOn = with.stream().mapToDouble(Phase::p50Micros).min().orElse(0);
        System.out.printf(
                Locale.ROOT,
                "%s, best phase: connections/s %.0f -> %.0f (%+.1f%%, %+.1f us per connection),"
                        + " request p50 %.1f -> %.1f us (%+.1f%%)%n",
                arm,
                bestOff,
                bestOn,
                percent(bestOn, bestOff),
                1e6 / bestOn - 1e6 / bestOff,
                fastestOff,
                fastestOn,
                percent(fastestOn, fastestOff));
        long nanos = profiled.stream().mapToLong(Phase::programNanos).sum();
        long runs = profiled.stream().mapToLong(Phase::programRuns).sum();
        long made = (long) connections * profiled.size();
        System.out.printf(
                Locale.ROOT,
                "%s, median time per connection %.1f -> %.1f us (%+.1f us); the programs' own run time"
                        + " (profiled phases): %.1f us per connection (%.1f runs of %.0f ns)%n",
                arm,
                1e6 / off.connectionsPerSecond(),
                1e6 / on.connectionsPerSecond(),
                1e6 / on.connectionsPerSecond() - 1e6 / off.connectionsPerSecond(),
                nanos / 1e3 / made,
                (double) runs / made,
                runs == 0 ? 0.0 : (double) nanos / runs);
        long requestNanos = profiled.stream().mapToLong(Phase::requestNanos).sum();
        long requestRuns = profiled.stream().mapToLong(Phase::requestRuns).sum();
        long sent = (long) requests * profiled.size();
        System.out.printf(
                Locale.ROOT,
                "%s, request p50 %+.2f us; the programs' own run time: %.2f us per request (%.1f runs of %.0f ns)%n",
                arm,
                on.p50Micros() - off.p50Micros(),
                requestNanos / 1e3 / sent,
                (double) requestRuns / sent,
                requestRuns == 0 ? 0.0 : (double) requestNanos / requestRuns);
    }

    /**
     * Puts every thread of this JVM, and so the threads it starts later (the pods' echo servers, the clients), on one
     * CPU: a request and its answer then run on the CPU that sent them, instead of a wake-up of the other thread on
     * the other vCPU about half of the time (the reason the unpinned request p50 is either about 7 or about 20 us).
     */
    private static void pin(int cpu) {
        try {
            Process p = new ProcessBuilder(
                            "taskset",
                            "-a",
                            "-p",
                            "-c",
                            String.valueOf(cpu),
                            String.valueOf(ProcessHandle.current().pid()))
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("taskset failed: " + out);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String readStats() {
        try {
            return Files.readString(BPF_STATS).trim();
        } catch (IOException e) {
            return "0";
        }
    }

    private static void writeStats(String value) {
        try {
            Files.writeString(BPF_STATS, value);
        } catch (IOException e) {
            System.out.println("cannot set " + BPF_STATS + ": " + e.getMessage() + "; no program run times");
        }
    }

    /** The programs' run_time_ns and run_cnt summed, while bpf_stats are enabled. */
    private static long[] programStats(int[] programs) {
        long[] out = new long[2];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(PROG_INFO_SIZE, 8);
            MemorySegment len = arena.allocate(JAVA_INT);
            for (int fd : programs) {
                info.fill((byte) 0);
                len.set(JAVA_INT, 0, (int) PROG_INFO_SIZE);
                int r = LibBpf.objInfo(fd, info, len);
                if (r < 0) {
                    throw KernelDatapathException.failed("bpf_obj_get_info_by_fd", r);
                }
                out[0] += info.get(JAVA_LONG, 192);
                out[1] += info.get(JAVA_LONG, 200);
            }
        }
        return out;
    }

    private static Phase report(String label, Phase p, int connections) {
        System.out.printf(
                Locale.ROOT,
                "  %-17s connections/s %7.0f, request p50 %6.1f us, p99 %6.1f us, programs %6.2f us per connection%n",
                label,
                p.connectionsPerSecond(),
                p.p50Micros(),
                p.p99Micros(),
                p.programNanos() / 1e3 / connections);
        return p;
    }

    private static Phase measure(
            KernelCluster.Pod client, InetAddress server, int connections, int requests, int[] programs) {
        return Netns.call(client.netns(), () -> {
            InetSocketAddress to = new InetSocketAddress(server, 80);
            InetSocketAddress from = new InetSocketAddress(client.ipv4(), 0);
            long[] before = programStats(programs);
            long t0 = System.nanoTime();
            for (int i = 0; i < connections; i++) {
                try (SocketChannel c = SocketChannel.open()) {
                    c.setOption(StandardSocketOptions.SO_LINGER, 0);
                    c.bind(from);
                    c.connect(to);
                    roundTrip(c.socket().getOutputStream(), c.socket().getInputStream(), new byte[1]);
                }
            }
            double rate = connections / ((System.nanoTime() - t0) / 1e9);
            long[] after = programStats(programs);
            long[] latencies = new long[requests];
            long[] requestsBefore;
            long[] requestsAfter;
            try (SocketChannel c = SocketChannel.open()) {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                c.bind(from);
                c.connect(to);
                OutputStream out = c.socket().getOutputStream();
                InputStream in = c.socket().getInputStream();
                byte[] payload = new byte[64];
                requestsBefore = programStats(programs);
                for (int i = 0; i < requests; i++) {
                    long s = System.nanoTime();
                    roundTrip(out, in, payload);
                    latencies[i] = System.nanoTime() - s;
                }
                requestsAfter = programStats(programs);
            }
            Arrays.sort(latencies);
            return new Phase(
                    rate,
                    latencies[requests / 2] / 1e3,
                    latencies[(int) (requests * 0.99)] / 1e3,
                    after[0] - before[0],
                    after[1] - before[1],
                    requestsAfter[0] - requestsBefore[0],
                    requestsAfter[1] - requestsBefore[1]);
        });
    }

    private static void roundTrip(OutputStream out, InputStream in, byte[] payload) throws IOException {
        out.write(payload);
        if (in.readNBytes(payload.length).length != payload.length) {
            throw new IOException("the echo server closed the connection");
        }
    }

    private static Phase median(List<Phase> phases) {
        return new Phase(
                median(phases.stream().mapToDouble(Phase::connectionsPerSecond).toArray()),
                median(phases.stream().mapToDouble(Phase::p50Micros).toArray()),
                median(phases.stream().mapToDouble(Phase::p99Micros).toArray()),
                0,
                0,
                0,
                0);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double percent(double value, double base) {
        return (value - base) / base * 100;
    }
}
