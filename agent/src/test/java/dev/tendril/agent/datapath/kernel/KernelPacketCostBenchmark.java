package dev.tendril.agent.datapath.kernel;

import static dev.tendril.agent.datapath.kernel.TestPolicies.allowAll;
import static dev.tendril.agent.datapath.kernel.TestPolicies.entry;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tendril.agent.bpf.KernelMapBackend;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.UpdateFlag;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Load driver for docs/BENCHMARKS.md (not a test; {@code verify} never runs it): the from-container program's
 * cost per packet with an ipcache of 1,000 and of 500,000 entries (issue 14's benchmark (c)). The kernel runs
 * the attached program itself through {@code BPF_PROG_TEST_RUN} ({@code bpf_prog_test_run_opts}, {@code repeat}
 * times, reporting the mean nanoseconds per run), on a real pod's host-side veth in its node's namespace, with
 * the agent's maps as the reconciler wrote them. Three packets, each an Ethernet + IPv4 + TCP SYN from the
 * client pod: to the server on 80 (allowed; after the first run an established CT entry decides), to the
 * server on 81 (dropped by policy every run, with a drop event on the ring buffer), and to an address of
 * the filled part of the ipcache (an identity the policy does not allow: dropped). The ipcache is filled
 * with /32 entries of 10.64.0.0/10 before each size's runs.
 *
 * <p>System properties: {@code sizes} (default {@code 1000,500000}), {@code repeat} (runs per measurement,
 * default 1000000), {@code rounds} (measurements per packet and size, default 7; the median is reported).
 * Needs root (bpf(2), network namespaces).
 */
public final class KernelPacketCostBenchmark {
    private static final long CLIENT = 1001;
    private static final long SERVER = 1002;
    private static final long FILLER_IDENTITY = 70_000;
    /** {@code struct bpf_test_run_opts} (libbpf 1.1, x86_64): sz 0, data_in 8, data_size_in 24, ctx_in 32, ctx_size_in 48, retval 56, repeat 60, duration 64; 80 B. */
    private static final long TEST_RUN_OPTS_SIZE = 80;
    /** {@code struct __sk_buff}: ifindex at 40; 192 B. */
    private static final long SKB_SIZE = 192;

    private static final MethodHandle TEST_RUN = Linker.nativeLinker()
            .downcallHandle(
                    SymbolLookup.libraryLookup(LibBpf.LIBRARY, Arena.global())
                            .find("bpf_prog_test_run_opts")
                            .orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    private KernelPacketCostBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (!KernelTestSupport.available()) {
            System.out.println("packet cost benchmark skipped: the kernel datapath is not available here");
            return;
        }
        List<Integer> sizes = Arrays.stream(
                        System.getProperty("sizes", "1000,500000").split(","))
                .map(String::trim)
                .map(Integer::parseInt)
                .toList();
        int repeat = Integer.getInteger("repeat", 1_000_000);
        int rounds = Integer.getInteger("rounds", 7);
        System.out.printf(
                Locale.ROOT,
                "packet cost benchmark: ipcache sizes %s, %,d runs x %d rounds, Java %s, %d CPUs," + " kernel %s%n",
                sizes,
                repeat,
                rounds,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.version"));
        Map<String, Long> pods = new LinkedHashMap<>();
        pods.put("client", CLIENT);
        pods.put("server", SERVER);
        try (KernelCluster cluster =
                KernelCluster.start(pods, Map.of(), KernelDatapathConfig.defaults(), List.of(80), List.of())) {
            cluster.apply(Map.of(
                    CLIENT,
                    SubjectPolicyMap.newBuilder()
                            .setSubject((int) CLIENT)
                            .addEntries(entry(
                                    PolicyMapKey.of(SERVER, Direction.EGRESS, IpProtocol.TCP, 80), false, "np/web"))
                            .build(),
                    SERVER,
                    allowAll(SERVER)));
            KernelCluster.Pod client = cluster.pod("client");
            InetAddress server = cluster.pod("server").ipv4();
            KernelDatapath.Attachment attachment = cluster.datapath.attachments().stream()
                    .filter(a -> a.endpointId() == client.endpointId())
                    .findFirst()
                    .orElseThrow();
            int program = Pins.open(cluster.pinDir.resolve(ProgramLoader.FROM_CONTAINER));
            try (KernelMapBackend backend = new KernelMapBackend(cluster.pinDir)) {
                BpfMap ipcache = backend.open(ProgramLoader.IPCACHE).orElseThrow();
                int base = ipcache.size();
                InetAddress filled = filler(0);
                Map<String, byte[]> packets = new LinkedHashMap<>();
                packets.put("allowed (CT hit)", syn(client.ipv4(), server, 80));
                packets.put("dropped by policy", syn(client.ipv4(), server, 81));
                packets.put("dropped, ipcache-filled destination", syn(client.ipv4(), filled, 80));
                for (int size : sizes) {
                    fill(ipcache, size);
                    System.out.printf(
                            Locale.ROOT,
                            "ipcache entries: %,d (%,d of the cluster + %,d filled)%n",
                            ipcache.size(),
                            base,
                            size);
                    for (Map.Entry<String, byte[]> packet : packets.entrySet()) {
                        long[] ns = new long[rounds];
                        int[] verdict = new int[1];
                        for (int r = 0; r < rounds; r++) {
                            ns[r] = Netns.call(
                                    attachment.netns(),
                                    () -> run(program, attachment.ifindex(), packet.getValue(), repeat, verdict));
                            // The cluster keeps every event it reads: a million drop events per round would
                            // fill the heap.
                            cluster.events.clear();
                        }
                        long[] sorted = ns.clone();
                        Arrays.sort(sorted);
                        System.out.printf(
                                Locale.ROOT,
                                "  %-38s tc verdict %d, ns per packet: median %d (min %d, max %d)%n",
                                packet.getKey(),
                                verdict[0],
                                sorted[rounds / 2],
                                sorted[0],
                                sorted[rounds - 1]);
                    }
                    cluster.datapath.flushConntrack();
                }
            } finally {
                Pins.close(program);
            }
        }
    }

    /** Makes the filled part of the ipcache exactly {@code size} /32 entries of 10.64.0.0/10. */
    private static void fill(BpfMap ipcache, int size) throws Exception {
        List<byte[]> stale = new ArrayList<>();
        for (byte[] key : ipcache.keys()) {
            InetAddress a = IpcacheKey.decode(key).prefix();
            if (a instanceof Inet4Address && (a.getAddress()[0] & 0xFF) == 10 && (a.getAddress()[1] & 0xC0) == 64) {
                stale.add(key);
            }
        }
        ipcache.deleteAll(stale);
        List<BpfMap.Entry> entries = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            entries.add(new BpfMap.Entry(
                    IpcacheKey.ofAddress(filler(i)).encode(),
                    IpcacheValue.of(FILLER_IDENTITY + i % 1000).encode()));
        }
        ipcache.updateAll(entries, UpdateFlag.ANY);
    }

    /** The i-th address of 10.64.0.0/10, spread over the range so the trie is as deep as real pod addresses make it. */
    private static InetAddress filler(int i) throws Exception {
        int a = 0x0A400000 | (Integer.reverse(i) >>> 10);
        return InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(a).array());
    }

    /** Mean nanoseconds per run of the program on {@code packet}, in the calling thread's network namespace. */
    private static long run(int program, int ifindex, byte[] packet, int repeat, int[] verdict) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom(JAVA_BYTE, packet);
            MemorySegment skb = arena.allocate(SKB_SIZE, 8);
            skb.set(JAVA_INT, 40, ifindex);
            MemorySegment opts = arena.allocate(TEST_RUN_OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, TEST_RUN_OPTS_SIZE);
            opts.set(ADDRESS, 8, data);
            opts.set(JAVA_INT, 24, packet.length);
            opts.set(ADDRESS, 32, skb);
            opts.set(JAVA_INT, 48, (int) SKB_SIZE);
            opts.set(JAVA_INT, 60, repeat);
            int r;
            try {
                r = (int) TEST_RUN.invokeExact(program, opts);
            } catch (Throwable e) {
                throw new IllegalStateException("bpf_prog_test_run_opts", e);
            }
            if (r != 0) {
                throw new IllegalStateException("bpf_prog_test_run_opts: " + r);
            }
            verdict[0] = opts.get(JAVA_INT, 56);
            return Integer.toUnsignedLong(opts.get(JAVA_INT, 64));
        }
    }

    /** Ethernet + IPv4 + TCP SYN, checksums left zero (the program does not verify them). */
    private static byte[] syn(InetAddress source, InetAddress destination, int port) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20);
        b.put(new byte[] {2, 0, 0, 0, 0, 2}).put(new byte[] {2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        b.put((byte) 0x45)
                .put((byte) 0)
                .putShort((short) 40)
                .putShort((short) 1)
                .putShort((short) 0x4000)
                .put((byte) 64)
                .put((byte) IpProtocol.TCP)
                .putShort((short) 0)
                .put(source.getAddress())
                .put(destination.getAddress());
        b.putShort((short) 40_000)
                .putShort((short) port)
                .putInt(1)
                .putInt(0)
                .put((byte) 0x50)
                .put((byte) 0x02)
                .putShort((short) 65_535)
                .putShort((short) 0)
                .putShort((short) 0);
        return b.array();
    }
}
