package dev.tendril.agent.bench;

import dev.tendril.agent.bpf.KernelBpfMap;
import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.BpfMap.Entry;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.UpdateFlag;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Load driver for docs/BENCHMARKS.md (not a test; {@code verify} never runs it): writes into real
 * kernel eBPF maps through {@link KernelBpfMap}, one {@code BPF_MAP_UPDATE_ELEM} syscall per entry
 * against {@code BPF_MAP_UPDATE_BATCH} (chunks of the map writer's batch size), for the three map shapes
 * the agent writes: the ipcache (LPM trie, 24-byte key and value, no prealloc), a policy map (LPM trie,
 * 12-byte key and value) and a hash map of the same entry sizes as the ipcache (the local endpoints map).
 * Each round starts from an empty map; deletes are timed too. Needs root or CAP_BPF.
 *
 * <p>System properties: {@code entries} (ipcache and hash entries, default 150000), {@code policyEntries}
 * (default 16384), {@code rounds} (default 5; the first is reported as warm-up).
 */
public final class KernelMapWriteBenchmark {

    public static void main(String[] args) throws Exception {
        KernelBpfMap.unavailableReason().ifPresent(reason -> {
            System.out.println("kernel map benchmark skipped: " + reason);
            System.exit(0);
        });
        int entries = Integer.getInteger("entries", 150_000);
        int policyEntries = Integer.getInteger("policyEntries", PolicyMap.DEFAULT_MAX_ENTRIES);
        int rounds = Integer.getInteger("rounds", 5);
        System.out.printf(
                "kernel map write benchmark: %,d ipcache/hash entries, %,d policy entries, %d rounds, Java %s, %d CPUs, kernel %s%n",
                entries,
                policyEntries,
                rounds,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.version"));

        List<Entry> ipcache = ipcacheEntries(entries);
        List<Entry> policy = policyEntries(policyEntries);
        run("ipcache (lpm_trie)", Ipcache.spec("tnd_bench_ipc", Ipcache.DEFAULT_MAX_ENTRIES), ipcache, rounds);
        run("policy (lpm_trie)", PolicyMap.spec("tnd_bench_pol", PolicyMap.MAX_MAX_ENTRIES), policy, rounds);
        run(
                "endpoints-sized (hash)",
                MapSpec.hash("tnd_bench_hash", IpcacheKey.SIZE, IpcacheValue.SIZE, Math.max(entries, 1)),
                ipcache,
                rounds);
    }

    private static void run(String label, MapSpec spec, List<Entry> entries, int rounds) {
        try (KernelBpfMap map = KernelBpfMap.create(spec)) {
            List<byte[]> keys = entries.stream().map(Entry::key).toList();
            for (int round = 0; round < rounds; round++) {
                long t0 = System.nanoTime();
                for (Entry e : entries) {
                    map.update(e.key(), e.value(), UpdateFlag.ANY);
                }
                long single = System.nanoTime() - t0;
                check(map, entries.size(), label);
                t0 = System.nanoTime();
                for (byte[] k : keys) {
                    map.delete(k);
                }
                long singleDelete = System.nanoTime() - t0;
                check(map, 0, label);

                t0 = System.nanoTime();
                map.updateAll(entries, UpdateFlag.ANY);
                long batch = System.nanoTime() - t0;
                check(map, entries.size(), label);
                t0 = System.nanoTime();
                map.deleteAll(keys);
                long batchDelete = System.nanoTime() - t0;
                check(map, 0, label);

                System.out.printf(
                        "%s round %d%s: update one-by-one %,.0f/s, batch%s %,.0f/s (%.1fx); "
                                + "delete one-by-one %,.0f/s, batch %,.0f/s%n",
                        label,
                        round + 1,
                        round == 0 ? " (warm-up)" : "",
                        rate(entries.size(), single),
                        map.usesBatchOps() ? "" : " (kernel refused batch ops: per entry)",
                        rate(entries.size(), batch),
                        (double) single / batch,
                        rate(entries.size(), singleDelete),
                        rate(entries.size(), batchDelete));
            }
        }
    }

    private static void check(KernelBpfMap map, int expected, String label) {
        int size = map.size();
        if (size != expected) {
            throw new IllegalStateException(label + ": map holds " + size + " entries, expected " + expected);
        }
    }

    private static double rate(int n, long nanos) {
        return n / (nanos / 1e9);
    }

    private static List<Entry> ipcacheEntries(int n) throws UnknownHostException {
        List<Entry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int a = 0x0A000000 + i + 1;
            InetAddress ip = InetAddress.getByAddress(
                    new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
            out.add(new Entry(
                    IpcacheKey.ofAddress(ip).encode(),
                    IpcacheValue.of(256 + (i % 10_000)).encode()));
        }
        return out;
    }

    /** Exact TCP ports, 32 per direction for each identity: distinct keys at the full prefix. */
    private static List<Entry> policyEntries(int n) {
        List<Entry> out = new ArrayList<>(n);
        int i = 0;
        while (out.size() < n) {
            PolicyMapKey key = PolicyMapKey.of(
                    256 + i / 64, i % 2 == 0 ? Direction.INGRESS : Direction.EGRESS, 6, 1024 + (i / 2) % 32);
            out.add(new Entry(key.encode(), PolicyMapValue.allow(key).encode()));
            i++;
        }
        return out;
    }
}
