package dev.tendril.agent.bench;

import dev.tendril.agent.bpf.KernelBpfMap;
import dev.tendril.agent.datapath.kernel.Netns;
import dev.tendril.agent.datapath.kernel.SocketLbBench;
import dev.tendril.datapath.maps.BpfMap.Entry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Load driver for docs/BENCHMARKS.md (not a test; {@code verify} never runs it): issue 17's services
 * benchmark, kube-proxy's iptables mode against Tendril, at each size (services of 5 backends) in one run.
 * (a) adding one more service: kube-proxy's partial sync ({@link KubeProxyRules#partialAdd}) through
 * {@code iptables-restore --noflush} in the node namespace, against the Tendril agent's writes of that
 * service's 12 map entries (one syscall each) into real kernel maps; 20-50 rounds, the service removed
 * again after each (untimed). (b) connection setup to the last-added service, the time of a blocking
 * {@code connect()} from a client pod namespace to VIP:80 (a real listener behind all 5 backends),
 * through the node's DNAT rules against through socket-LB, interleaved in blocks so load on the machine
 * hits both. (c) a full resync: kube-proxy's full sync restore of the whole table against a rewrite of
 * every map entry (batched) and against the agent's {@code MapReconciler} pass (read back, diff, write the
 * differences: none here).
 *
 * <p>System properties: {@code sizes} (default 100,1000,5000,10000), {@code addRounds} (default 30),
 * {@code connects} per arm and size (default 4000), {@code resyncRounds} (default 3), {@code addBudgetSeconds}
 * (default 300: past it, a size's add rounds stop, after at least 5). Needs root, iproute2, util-linux,
 * iptables (nf_tables or legacy) and bpf(2); elsewhere it says why and exits 0.
 */
public final class ServicesBenchmark {
    private static final int PORT = 80;
    private static final int BACKEND_PORT = 8080;
    private static final int VIP_BASE = 0x0A600000; // 10.96.0.0/12
    private static final int FAKE_BACKEND_BASE = 0x0A800000; // 10.128.0.0/10: never answers
    private static final int BLOCK = 250;
    private static final int MIN_ADD_ROUNDS = 5;
    private static int addBudgetSeconds;
    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    /** The id of the socket-LB connect4 program, 0 when it is not attached. */
    private static int connect4;
    /** Connections accepted per arm and backend address: both arms must spread over the five. */
    private static final Map<String, Integer> ACCEPTED = new ConcurrentHashMap<>();

    private ServicesBenchmark() {}

    record Row(
            int size,
            double[] kubeAdd,
            double[] tendrilAdd,
            double[] kubeConnect,
            double[] tendrilConnect,
            double[] kubeResync,
            double[] tendrilResync,
            double[] tendrilReconcile,
            double connect4Nanos) {}

    public static void main(String[] args) throws Exception {
        Optional<String> why = unavailableReason();
        if (why.isPresent()) {
            System.out.println("services benchmark skipped: " + why.get());
            return;
        }
        int[] sizes = Arrays.stream(
                        System.getProperty("sizes", "100,1000,5000,10000").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim()))
                .toArray();
        int addRounds = Integer.getInteger("addRounds", 30);
        int connects = Integer.getInteger("connects", 4000);
        int resyncRounds = Integer.getInteger("resyncRounds", 3);
        addBudgetSeconds = Integer.getInteger("addBudgetSeconds", 300);
        System.out.printf(
                Locale.ROOT,
                "services benchmark: sizes %s x 5 backends, %d add rounds, %,d connects per arm, %d resync rounds,"
                        + " Java %s, %d CPUs, kernel %s, %s%n",
                Arrays.toString(sizes),
                addRounds,
                connects,
                resyncRounds,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.version"),
                output("iptables", "--version"));
        List<Row> rows = new ArrayList<>();
        String statsBefore = readStats();
        writeStats("1");
        try (ServiceBenchNetwork net = new ServiceBenchNetwork();
                TendrilLbArm maps = new TendrilLbArm(net.pinDir);
                ServerSocketChannel server = listen(net.backend)) {
            Thread acceptor = Thread.ofPlatform().daemon().start(() -> acceptLoop(server));
            Optional<String> noSocketLb = SocketLbBench.unavailableReason();
            if (noSocketLb.isPresent()) {
                System.out.println("socket-LB unavailable (" + noSocketLb.get() + "): the Tendril connect column"
                        + " connects to a backend address directly, with no translation");
            } else {
                List<Integer> ids = SocketLbBench.attach(net.pinDir);
                long cookie = SocketLbBench.admit(net.pinDir, ServiceBenchNetwork.path(net.clientT));
                connect4 = ids.getFirst();
                System.out.printf(
                        Locale.ROOT,
                        "socket-LB programs %s attached at the cgroup v2 root; client namespace cookie %d admitted%n",
                        ids,
                        cookie);
            }
            System.out.printf(
                    Locale.ROOT,
                    "process floor: `nsenter --net=<ns> true` p50 %.2f ms (kube-proxy forks iptables-restore too;"
                            + " this is the fork, exec and setns of a child process)%n",
                    percentile(floor(net.nodeK), 50));
            System.out.println("warm-up (JIT, caches) at " + sizes[0] + " services, not reported:");
            restore(net.nodeK, KubeProxyRules.bootstrap(), false);
            Set<Integer> measured = Arrays.stream(sizes).boxed().collect(Collectors.toSet());
            measure(net, maps, measured, sizes[0], addRounds, connects / 2, 1);
            for (int size : sizes) {
                rows.add(measure(net, maps, measured, size, addRounds, connects, resyncRounds));
            }
            acceptor.interrupt();
        } finally {
            writeStats(statsBefore);
        }
        print(rows);
    }

    private static Row measure(
            ServiceBenchNetwork net,
            TendrilLbArm maps,
            Set<Integer> measured,
            int size,
            int addRounds,
            int connects,
            int resyncRounds) {
        List<KubeProxyRules.Service> kube = new ArrayList<>();
        List<TendrilLbArm.Service> tendril = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            kube.add(kubeService(i, measured.contains(i)));
            tendril.add(tendrilService(i, measured.contains(i)));
        }
        // The table grows from the previous size (kube-proxy's sync after the new services appeared); the
        // measured services keep their real backends, so no chain of the previous size goes stale.
        String full = KubeProxyRules.fullSync(kube);
        double grow = timeMillis(() -> restore(net.nodeK, full, true));
        List<List<Entry>> entries = TendrilLbArm.entries(tendril);
        maps.writeAll(entries);
        if (maps.size() != size * 12) {
            throw new IllegalStateException("maps hold " + maps.size() + " entries, expected " + size * 12);
        }
        System.out.printf(Locale.ROOT, "%,6d services: kube-proxy sync that grew the table %.0f ms%n", size, grow);
        double[] kubeResync = new double[resyncRounds];
        double[] tendrilResync = new double[resyncRounds];
        double[] tendrilReconcile = new double[resyncRounds];
        List<Map<ByteBuffer, byte[]>> desired = TendrilLbArm.desired(entries);
        for (int r = 0; r < resyncRounds; r++) {
            kubeResync[r] = timeMillis(() -> restore(net.nodeK, full, true));
            tendrilResync[r] = timeMillis(() -> maps.writeAll(entries));
            tendrilReconcile[r] = timeMillis(() -> {
                if (maps.reconcile(desired) != 0) {
                    throw new IllegalStateException("the maps differ from the services just written");
                }
            });
        }

        KubeProxyRules.Service extraKube = kubeService(size + 1, false);
        TendrilLbArm.Service extraTendril = tendrilService(size + 1, false);
        List<KubeProxyRules.Service> grown = new ArrayList<>(kube);
        grown.add(extraKube);
        String add = KubeProxyRules.partialAdd(grown, extraKube);
        String remove = KubeProxyRules.partialRemove(kube, extraKube);
        List<Double> kubeAdds = new ArrayList<>();
        List<Double> tendrilAdds = new ArrayList<>();
        long addStart = System.nanoTime();
        for (int r = 0; r < addRounds; r++) {
            if (r >= MIN_ADD_ROUNDS && System.nanoTime() - addStart > addBudgetSeconds * 1_000_000_000L) {
                System.out.printf(
                        Locale.ROOT, "  add rounds stopped after %d: the %d s budget is spent%n", r, addBudgetSeconds);
                break;
            }
            kubeAdds.add(timeMillis(() -> restore(net.nodeK, add, true)));
            restore(net.nodeK, remove, true);
            tendrilAdds.add(timeMillis(() -> maps.write(extraTendril)));
            maps.remove(extraTendril);
        }
        double[] kubeAdd = kubeAdds.stream().mapToDouble(Double::doubleValue).toArray();
        double[] tendrilAdd =
                tendrilAdds.stream().mapToDouble(Double::doubleValue).toArray();

        InetSocketAddress vip = new InetSocketAddress(TendrilLbArm.v4(VIP_BASE + size), PORT);
        List<Double> kubeConnect = new ArrayList<>();
        List<Double> tendrilConnect = new ArrayList<>();
        connect(net.clientK, vip, 200, null); // warm-up
        connect(net.clientT, tendrilTarget(vip), 200, null);
        long programNanos = 0;
        long programRuns = 0;
        for (int done = 0; done < connects; done += BLOCK) {
            int n = Math.min(BLOCK, connects - done);
            connect(net.clientK, vip, n, kubeConnect);
            long[] before = connect4 == 0 ? new long[2] : SocketLbBench.runStats(connect4);
            connect(net.clientT, tendrilTarget(vip), n, tendrilConnect);
            long[] after = connect4 == 0 ? new long[2] : SocketLbBench.runStats(connect4);
            programNanos += after[0] - before[0];
            programRuns += after[1] - before[1];
        }
        System.out.println("  accepted per client -> backend: " + new TreeMap<>(ACCEPTED));
        ACCEPTED.clear();
        Row row = new Row(
                size,
                kubeAdd,
                tendrilAdd,
                kubeConnect.stream().mapToDouble(Double::doubleValue).toArray(),
                tendrilConnect.stream().mapToDouble(Double::doubleValue).toArray(),
                kubeResync,
                tendrilResync,
                tendrilReconcile,
                programRuns == 0 ? 0 : (double) programNanos / programRuns);
        System.out.printf(
                Locale.ROOT,
                "%,6d services: add p50 %.3f / %.3f ms, connect p50 %.1f / %.1f us, resync %.1f / %.2f ms"
                        + " (kube-proxy / Tendril), Tendril reconcile %.2f ms; connect4 program %s per run%n",
                size,
                percentile(kubeAdd, 50),
                percentile(tendrilAdd, 50),
                percentile(row.kubeConnect(), 50),
                percentile(row.tendrilConnect(), 50),
                percentile(kubeResync, 50),
                percentile(tendrilResync, 50),
                percentile(tendrilReconcile, 50),
                nanos(row.connect4Nanos()));
        return row;
    }

    /** Where the Tendril arm's client connects: the VIP, or the backend itself when socket-LB cannot run. */
    private static InetSocketAddress tendrilTarget(InetSocketAddress vip) {
        return connect4 != 0 ? vip : new InetSocketAddress(ServiceBenchNetwork.BACKENDS.getFirst(), BACKEND_PORT);
    }

    static KubeProxyRules.Service kubeService(int i, boolean real) {
        List<String> endpoints = IntStream.range(0, 5)
                .mapToObj(k -> backend(i, k, real).getHostAddress() + ":" + BACKEND_PORT)
                .toList();
        return new KubeProxyRules.Service(
                "bench/svc-" + i + ":http", TendrilLbArm.v4(VIP_BASE + i).getHostAddress(), PORT, endpoints);
    }

    static TendrilLbArm.Service tendrilService(int i, boolean real) {
        return new TendrilLbArm.Service(
                TendrilLbArm.v4(VIP_BASE + i),
                PORT,
                i,
                IntStream.range(0, 5).mapToObj(k -> (long) (i - 1) * 5 + k + 1).toList(),
                IntStream.range(0, 5).mapToObj(k -> backend(i, k, real)).toList(),
                BACKEND_PORT);
    }

    private static InetAddress backend(int service, int k, boolean real) {
        if (real) {
            return TendrilLbArm.v4(parse(ServiceBenchNetwork.BACKENDS.get(k)));
        }
        return TendrilLbArm.v4(FAKE_BACKEND_BASE + service * 8 + k + 1);
    }

    private static int parse(String dotted) {
        int out = 0;
        for (String part : dotted.split("\\.")) {
            out = (out << 8) | Integer.parseInt(part);
        }
        return out;
    }

    private static void connect(String ns, InetSocketAddress to, int n, List<Double> micros) {
        Netns.call(ServiceBenchNetwork.path(ns), () -> {
            for (int i = 0; i < n; i++) {
                try (SocketChannel c = SocketChannel.open()) {
                    c.setOption(StandardSocketOptions.SO_LINGER, 0);
                    long t0 = System.nanoTime();
                    c.connect(to);
                    long t = System.nanoTime() - t0;
                    if (micros != null) {
                        micros.add(t / 1e3);
                    }
                }
            }
            return null;
        });
    }

    private static ServerSocketChannel listen(String ns) {
        return Netns.call(ServiceBenchNetwork.path(ns), () -> {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.bind(new InetSocketAddress("0.0.0.0", BACKEND_PORT), 4096);
            return s;
        });
    }

    private static void acceptLoop(ServerSocketChannel server) {
        while (server.isOpen()) {
            try {
                try (SocketChannel c = server.accept()) {
                    InetSocketAddress from = (InetSocketAddress) c.getRemoteAddress();
                    InetSocketAddress to = (InetSocketAddress) c.getLocalAddress();
                    String client = from.getAddress().getHostAddress().equals(ServiceBenchNetwork.CLIENT_K)
                            ? "kube-proxy"
                            : "Tendril";
                    ACCEPTED.merge(client + " -> " + to.getAddress().getHostAddress(), 1, Integer::sum);
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void restore(String ns, String rules, boolean noflush) {
        List<String> cmd =
                new ArrayList<>(List.of("nsenter", "--net=" + ServiceBenchNetwork.path(ns), "iptables-restore"));
        if (noflush) {
            cmd.add("--noflush");
        }
        ServiceBenchNetwork.run(cmd, rules);
    }

    private static double[] floor(String ns) {
        double[] out = new double[20];
        for (int i = 0; i < out.length; i++) {
            out[i] = timeMillis(
                    () -> ServiceBenchNetwork.run("nsenter", "--net=" + ServiceBenchNetwork.path(ns), "true"));
        }
        return out;
    }

    private static double timeMillis(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static void print(List<Row> rows) {
        System.out.println();
        System.out.println(
                "| services | (a) add one: kube-proxy p50 / p99 | Tendril p50 / p99"
                        + " | (b) connect: kube-proxy p50 / p99 | Tendril p50 / p99"
                        + " | (c) full resync: kube-proxy | Tendril rewrite all | Tendril reconcile | connect4 program per run |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "| %,d | %.2f / %.2f ms | %.3f / %.3f ms | %.1f / %.1f us | %.1f / %.1f us | %.0f ms | %.1f ms | %.1f ms | %s |%n",
                    r.size(),
                    percentile(r.kubeAdd(), 50),
                    percentile(r.kubeAdd(), 99),
                    percentile(r.tendrilAdd(), 50),
                    percentile(r.tendrilAdd(), 99),
                    percentile(r.kubeConnect(), 50),
                    percentile(r.kubeConnect(), 99),
                    percentile(r.tendrilConnect(), 50),
                    percentile(r.tendrilConnect(), 99),
                    percentile(r.kubeResync(), 50),
                    percentile(r.tendrilResync(), 50),
                    percentile(r.tendrilReconcile(), 50),
                    nanos(r.connect4Nanos()));
        }
        Row first = rows.getFirst();
        Row last = rows.getLast();
        double addLast = percentile(last.tendrilAdd(), 50);
        double c0 = percentile(first.tendrilConnect(), 50);
        double c1 = percentile(last.tendrilConnect(), 50);
        System.out.printf(
                Locale.ROOT,
                "target (a) Tendril add at %,d <= 1 ms: p50 %.3f ms, p99 %.3f ms: %s%n",
                last.size(),
                addLast,
                percentile(last.tendrilAdd(), 99),
                addLast <= 1 ? "met" : "NOT met");
        System.out.printf(
                Locale.ROOT,
                "target (b) Tendril connect p50 flat within 10%% from %,d to %,d: %.1f -> %.1f us (%+.1f%%): %s%n",
                first.size(),
                last.size(),
                c0,
                c1,
                (c1 - c0) / c0 * 100,
                Math.abs(c1 - c0) / c0 <= 0.10 ? "met" : "NOT met");
    }

    /** A program's time per run; n/a when the kernel counted no runs (bpf_stats off or not kept for it). */
    private static String nanos(double perRun) {
        return perRun == 0 ? "n/a" : String.format(Locale.ROOT, "%.0f ns", perRun);
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

    private static String output(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return out;
        } catch (IOException e) {
            return cmd[0] + " unavailable";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return cmd[0] + " unavailable";
        }
    }

    static Optional<String> unavailableReason() {
        Optional<String> bpf = KernelBpfMap.unavailableReason();
        if (bpf.isPresent()) {
            return bpf;
        }
        try {
            boolean root = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:"))
                    .anyMatch(l -> l.split("\\s+")[2].equals("0"));
            if (!root) {
                return Optional.of("not root: network namespaces and iptables need CAP_SYS_ADMIN and CAP_NET_ADMIN");
            }
        } catch (IOException e) {
            return Optional.of("cannot read /proc/self/status: " + e.getMessage());
        }
        for (String tool : List.of("ip", "nsenter", "iptables-restore")) {
            if (output("sh", "-c", "command -v " + tool).isEmpty()) {
                return Optional.of("no " + tool + " on the PATH (iproute2, util-linux and iptables are needed)");
            }
        }
        return Optional.empty();
    }
}
