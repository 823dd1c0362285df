package dev.tendril.agent.datapath.kernel;

import static dev.tendril.agent.datapath.kernel.TestPolicies.entry;

import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
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
 * differs between the two columns. Phases alternate (without, with, without, ...) so a load change on the
 * machine hits both.
 *
 * <p>System properties: {@code connections} per phase (default 3000), {@code requests} per phase
 * (default 20000), {@code rounds} (pairs of phases, default 3), {@code reportForwarded} (default true: an
 * event per new allowed connection goes to the ring buffer and the agent's reader, as with Hubble's policy
 * verdicts; false: drops only). Needs root.
 */
public final class KernelTcpOverheadBenchmark {
    private static final long CLIENT = 1001;
    private static final long SERVER = 1002;

    private KernelTcpOverheadBenchmark() {}

    record Phase(double connectionsPerSecond, double p50Micros, double p99Micros) {}

    public static void main(String[] args) {
        if (!KernelTestSupport.available()) {
            System.out.println("TCP overhead benchmark skipped: the kernel datapath is not available here");
            return;
        }
        int connections = Integer.getInteger("connections", 3000);
        int requests = Integer.getInteger("requests", 20_000);
        int rounds = Integer.getInteger("rounds", 3);
        boolean reportForwarded = Boolean.parseBoolean(System.getProperty("reportForwarded", "true"));
        System.out.printf(
                Locale.ROOT,
                "TCP overhead benchmark: %,d connections and %,d requests per phase, %d rounds,"
                        + " allowed verdicts reported %s, Java %s, %d CPUs, kernel %s%n",
                connections,
                requests,
                rounds,
                reportForwarded,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.version"));
        Map<String, Long> pods = new LinkedHashMap<>();
        pods.put("client", CLIENT);
        pods.put("server", SERVER);
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
            cluster.loadDatapath(new KernelDatapathConfig(
                    config.ctTcpEntries(),
                    config.ctAnyEntries(),
                    config.ringBufferBytes(),
                    config.worldIpv4(),
                    config.worldIpv6(),
                    reportForwarded));
            List<KernelDatapath.Attachment> attached = cluster.datapath.attachments();
            List<Phase> without = new ArrayList<>();
            List<Phase> with = new ArrayList<>();
            measure(client, server, connections, requests); // warm-up, programs attached
            for (int round = 0; round < rounds; round++) {
                attached.forEach(cluster.datapath::detach);
                without.add(report("without programs", measure(client, server, connections, requests)));
                for (KernelDatapath.Attachment a : attached) {
                    cluster.datapath.attach(a.endpointId(), a.netns(), a.interfaceName());
                }
                with.add(report("with programs", measure(client, server, connections, requests)));
                cluster.datapath.flushConntrack();
            }
            Phase off = median(without);
            Phase on = median(with);
            System.out.printf(
                    Locale.ROOT,
                    "median: connections/s %.0f -> %.0f (%+.1f%%), request p50 %.1f -> %.1f us"
                            + " (%+.1f%%), p99 %.1f -> %.1f us (%+.1f%%)%n",
                    off.connectionsPerSecond(),
                    on.connectionsPerSecond(),
                    percent(on.connectionsPerSecond(), off.connectionsPerSecond()),
                    off.p50Micros(),
                    on.p50Micros(),
                    percent(on.p50Micros(), off.p50Micros()),
                    off.p99Micros(),
                    on.p99Micros(),
                    percent(on.p99Micros(), off.p99Micros()));
        }
    }

    private static Phase report(String label, Phase p) {
        System.out.printf(
                Locale.ROOT,
                "  %-17s connections/s %7.0f, request p50 %6.1f us, p99 %6.1f us%n",
                label,
                p.connectionsPerSecond(),
                p.p50Micros(),
                p.p99Micros());
        return p;
    }

    private static Phase measure(KernelCluster.Pod client, InetAddress server, int connections, int requests) {
        return Netns.call(client.netns(), () -> {
            InetSocketAddress to = new InetSocketAddress(server, 80);
            InetSocketAddress from = new InetSocketAddress(client.ipv4(), 0);
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
            long[] latencies = new long[requests];
            try (SocketChannel c = SocketChannel.open()) {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                c.bind(from);
                c.connect(to);
                OutputStream out = c.socket().getOutputStream();
                InputStream in = c.socket().getInputStream();
                byte[] payload = new byte[64];
                for (int i = 0; i < requests; i++) {
                    long s = System.nanoTime();
                    roundTrip(out, in, payload);
                    latencies[i] = System.nanoTime() - s;
                }
            }
            Arrays.sort(latencies);
            return new Phase(rate, latencies[requests / 2] / 1e3, latencies[(int) (requests * 0.99)] / 1e3);
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
                median(phases.stream().mapToDouble(Phase::p99Micros).toArray()));
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
