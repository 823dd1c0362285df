package dev.tendril.datapath.bench;

import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.Packet;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Random;

/**
 * Load driver for docs/BENCHMARKS.md (not a test; {@code verify} never runs it): the in-memory maps and
 * the decision function at the sizes the agent must hold. Single-threaded; reports throughput and the
 * distribution of per-batch average latency.
 *
 * <p>System properties: {@code endpoints} (ipcache /32 entries, default 150000), {@code cidrs}
 * (alternately /24 and /20 entries, default 1000), {@code policyEntries} (default 16384), {@code seconds} per phase
 * (default 5), {@code warmupSeconds} (default 2).
 */
public final class DatapathBenchmark {
    private static final int BATCH = 1_000;

    public static void main(String[] args) {
        int endpoints = Integer.getInteger("endpoints", 150_000);
        int cidrs = Integer.getInteger("cidrs", 1_000);
        int policyEntries = Integer.getInteger("policyEntries", PolicyMap.DEFAULT_MAX_ENTRIES);
        int seconds = Integer.getInteger("seconds", 5);
        int warmup = Integer.getInteger("warmupSeconds", 2);
        System.out.printf(
                "datapath benchmark: %d endpoints, %d CIDRs, %d policy entries, %d s per phase, Java %s, %d CPUs%n",
                endpoints,
                cidrs,
                policyEntries,
                seconds,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors());

        Ipcache ipcache = Ipcache.inMemory("cilium_ipcache_v2", Ipcache.DEFAULT_MAX_ENTRIES);
        InetAddress[] addresses = new InetAddress[endpoints];
        long fillStart = System.nanoTime();
        for (int i = 0; i < endpoints; i++) {
            addresses[i] = v4(0x0A000000 + i + 1);
            ipcache.put(IpcacheKey.ofAddress(addresses[i]), IpcacheValue.of(256 + (i % 10_000)));
        }
        for (int i = 0; i < cidrs; i++) {
            // Distinct /24s from 172.16.0.0 and /20s from 100.64.0.0, so lookups probe several prefix lengths.
            IpcacheKey key = i % 2 == 0
                    ? new IpcacheKey(0, v4(0xAC100000 + (i << 8)), 24)
                    : new IpcacheKey(0, v4(0x64400000 + (i << 12)), 20);
            ipcache.put(key, IpcacheValue.of(0x01000000L + i + 1));
        }
        double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
        System.out.printf(
                "ipcache fill: %,d entries in %.2f s = %,.0f updates/s%n",
                ipcache.size(), fillSeconds, ipcache.size() / fillSeconds);

        PolicyMap policy = PolicyMap.inMemory("cilium_policy_v2_00001", PolicyMap.MAX_MAX_ENTRIES);
        long policyStart = System.nanoTime();
        int n = 0;
        for (long id = 256; n < policyEntries; id++) {
            PolicyMapKey key = switch (n % 4) {
                case 0 -> PolicyMapKey.of(id, Direction.INGRESS, IpProtocol.TCP, 80);
                case 1 -> PolicyMapKey.of(id, Direction.INGRESS, IpProtocol.TCP, 443);
                case 2 -> PolicyMapKey.portPrefix(id, Direction.INGRESS, IpProtocol.TCP, 8080, 13);
                default -> PolicyMapKey.anyPort(id, Direction.EGRESS, IpProtocol.UDP);
            };
            policy.put(key, PolicyMapValue.allow(key));
            n++;
        }
        double policySeconds = (System.nanoTime() - policyStart) / 1e9;
        System.out.printf(
                "policy map fill: %,d entries in %.3f s = %,.0f updates/s%n",
                policy.size(), policySeconds, policy.size() / policySeconds);

        Datapath datapath = new Datapath(ipcache);
        InetAddress local = addresses[0];
        Random random = new Random(1);
        int[] ports = {80, 443, 8085, 22};
        Packet[] packets = new Packet[4096];
        for (int i = 0; i < packets.length; i++) {
            InetAddress from = random.nextInt(10) == 0 ? v4(0x08080000 + i) : addresses[random.nextInt(endpoints)];
            packets[i] = new Packet(from, local, IpProtocol.TCP, ports[i % ports.length], Direction.INGRESS);
        }

        run("ipcache lookup (LPM, full prefix)", warmup, seconds, i -> {
            InetAddress a = packets[i & (packets.length - 1)].source();
            return ipcache.lookup(a).isPresent() ? 1 : 0;
        });
        run("Datapath.evaluate (ipcache + 2 policy lookups)", warmup, seconds, i -> {
            Verdict v = datapath.evaluate(policy, packets[i & (packets.length - 1)]);
            return v.forwarded() ? 1 : 0;
        });
    }

    private interface Op {
        int apply(int i);
    }

    private static void run(String name, int warmupSeconds, int seconds, Op op) {
        long sink = 0;
        long warmEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        int i = 0;
        while (System.nanoTime() < warmEnd) {
            for (int j = 0; j < BATCH; j++) {
                sink += op.apply(i++);
            }
        }
        double[] perOp = new double[1 << 20];
        int batches = 0;
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long now = start;
        while (now < end && batches < perOp.length) {
            long t0 = now;
            for (int j = 0; j < BATCH; j++) {
                sink += op.apply(i++);
            }
            now = System.nanoTime();
            perOp[batches++] = (now - t0) / (double) BATCH;
        }
        double elapsed = (now - start) / 1e9;
        double[] sorted = Arrays.copyOf(perOp, batches);
        Arrays.sort(sorted);
        System.out.printf(
                "%s: %,.0f ops/s; per-op mean of %d-op batches: p50 %.0f ns, p99 %.0f ns, max %.0f ns (sink %d)%n",
                name,
                batches * (double) BATCH / elapsed,
                BATCH,
                nearestRank(sorted, 0.50),
                nearestRank(sorted, 0.99),
                sorted[sorted.length - 1],
                sink);
    }

    private static double nearestRank(double[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static InetAddress v4(int address) {
        return InetAddress.ofLiteral(((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "."
                + ((address >>> 8) & 0xFF) + "." + (address & 0xFF));
    }
}
