package dev.tendril.agent.bpf;

import static dev.tendril.agent.bpf.KernelLpmTrieContractTest.lpmKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tendril.datapath.ipcache.Ipcache;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.BpfMapException;
import dev.tendril.datapath.maps.Errno;
import dev.tendril.datapath.maps.LpmTrieInMemory;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.MapType;
import dev.tendril.datapath.maps.UpdateFlag;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What only the kernel backend does: pinning, reopening, batch syscalls, and the datapath codecs on real tries. */
class KernelBpfMapTest {
    private final List<KernelBpfMap> opened = new ArrayList<>();
    private Path pinDir;

    @BeforeEach
    void requireBpf() {
        BpfTestSupport.assumeBpf();
    }

    @AfterEach
    void cleanUp() {
        opened.forEach(KernelBpfMap::close);
        BpfTestSupport.deleteRecursively(pinDir);
    }

    @Test
    void pinnedMapKeepsItsContentsAcrossCloseAndReopenByPath() {
        Path pin = pinDir().resolve("node-a/cilium_lxc");
        MapSpec spec = MapSpec.hash("cilium_lxc", 8, 4, 64);
        try (KernelBpfMap map = KernelBpfMap.create(spec)) {
            map.put(key(1), value(10));
            map.put(key(2), value(20));
            map.pin(pin);
        }
        assertThat(pin).exists();

        KernelBpfMap reopened = track(KernelBpfMap.openPinned(pin));
        assertThat(reopened.spec()).isEqualTo(spec);
        assertThat(reopened.size()).isEqualTo(2);
        assertThat(reopened.lookup(key(1)))
                .hasValueSatisfying(v -> assertThat(v).containsExactly(value(10)));
        assertThat(reopened.lookup(key(2)))
                .hasValueSatisfying(v -> assertThat(v).containsExactly(value(20)));
    }

    @Test
    void createOrOpenPinnedReusesAMapOfTheSameShapeAsAnAgentRestartWould() {
        Path pin = pinDir().resolve("node-a/cilium_ipcache_v2");
        MapSpec spec = Ipcache.spec("cilium_ipcache_v2", 1024);
        try (KernelBpfMap first = KernelBpfMap.createOrOpenPinned(pin, spec)) {
            new Ipcache(first).put(IpcacheKey.ofAddress("10.0.1.5"), IpcacheValue.of(1001));
        }
        KernelBpfMap second = track(KernelBpfMap.createOrOpenPinned(pin, spec));
        assertThat(second.spec()).isEqualTo(spec);
        assertThat(new Ipcache(second)
                        .lookup(InetAddress.ofLiteral("10.0.1.5"))
                        .orElseThrow()
                        .identity())
                .isEqualTo(1001);
    }

    @Test
    void createOrOpenPinnedRefusesAPinnedMapOfAnotherShapeAndLeavesItAlone() {
        Path pin = pinDir().resolve("policy");
        try (KernelBpfMap old = KernelBpfMap.createOrOpenPinned(pin, MapSpec.hash("policy", 8, 4, 16))) {
            old.put(key(1), value(1));
        }
        assertThatThrownBy(() -> KernelBpfMap.createOrOpenPinned(pin, MapSpec.hash("policy", 8, 8, 16)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(pin.toString())
                .hasMessageContaining("value 4 B")
                .hasMessageContaining("expected HASH{key 8 B, value 8 B");
        assertThatThrownBy(() -> KernelBpfMap.createOrOpenPinned(pin, MapSpec.lpmTrie("policy", 8, 4, 16)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("expected LPM_TRIE");
        assertThatThrownBy(() -> KernelBpfMap.createOrOpenPinned(pin, MapSpec.hash("policy", 8, 4, 32)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("max 32");
        assertThat(track(KernelBpfMap.openPinned(pin)).lookup(key(1))).isPresent();
    }

    @Test
    void openingAPathWithNothingPinnedIsEnoent() {
        Path pin = pinDir().resolve("missing");
        assertThatThrownBy(() -> KernelBpfMap.openPinned(pin)).isInstanceOfSatisfying(BpfMapException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ENOENT);
            assertThat(e).hasMessageContaining("BPF_OBJ_GET " + pin);
        });
    }

    @Test
    void pinningTwiceAtOnePathIsEexist() {
        Path pin = pinDir().resolve("twice");
        KernelBpfMap a = track(KernelBpfMap.create(MapSpec.hash("a", 8, 4, 4)));
        KernelBpfMap b = track(KernelBpfMap.create(MapSpec.hash("b", 8, 4, 4)));
        a.pin(pin);
        assertThatThrownBy(() -> b.pin(pin))
                .isInstanceOfSatisfying(
                        BpfMapException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
    }

    @Test
    void ipcacheLongestPrefixMatchInTheKernelAgreesWithTheInMemoryTrie() {
        Ipcache kernel = new Ipcache(track(KernelBpfMap.create(Ipcache.spec("cilium_ipcache_v2", 64))));
        Ipcache memory = Ipcache.inMemory("cilium_ipcache_v2", 64);
        for (Ipcache ipcache : List.of(kernel, memory)) {
            ipcache.put(IpcacheKey.ofCidr("0.0.0.0/0"), IpcacheValue.of(2));
            ipcache.put(IpcacheKey.ofCidr("10.0.0.0/8"), IpcacheValue.of(16777217));
            ipcache.put(IpcacheKey.ofCidr("10.1.0.0/16"), IpcacheValue.of(16777218));
            ipcache.put(
                    IpcacheKey.ofAddress("10.1.2.3"), IpcacheValue.remote(1001, InetAddress.ofLiteral("192.168.0.2")));
            ipcache.put(IpcacheKey.ofCidr("fd00::/104"), IpcacheValue.of(16777219));
            ipcache.put(IpcacheKey.ofAddress("fd00::1:2"), IpcacheValue.of(1003));
            ipcache.put(IpcacheKey.ofCidr("10.0.0.0/8", 2), IpcacheValue.of(200));
        }
        assertThat(identityOf(kernel, "10.1.2.3")).isEqualTo(1001);
        assertThat(kernel.lookup(InetAddress.ofLiteral("10.1.2.3"))
                        .orElseThrow()
                        .tunnelEndpoint())
                .isEqualTo(InetAddress.ofLiteral("192.168.0.2"));
        assertThat(identityOf(kernel, "10.1.9.9")).isEqualTo(16777218);
        assertThat(identityOf(kernel, "10.200.0.1")).isEqualTo(16777217);
        assertThat(identityOf(kernel, "192.0.2.1")).isEqualTo(2);
        assertThat(identityOf(kernel, "fd00::1:2")).isEqualTo(1003);
        assertThat(identityOf(kernel, "fd00::1:3")).isEqualTo(16777219);
        assertThat(kernel.lookup(InetAddress.ofLiteral("fd01::1"))).isEmpty();
        assertThat(kernel.lookup(InetAddress.ofLiteral("10.0.0.1"), 2)
                        .orElseThrow()
                        .identity())
                .isEqualTo(200);

        for (String a : List.of(
                "10.1.2.3",
                "10.1.2.4",
                "10.1.9.9",
                "10.200.0.1",
                "11.0.0.1",
                "192.0.2.1",
                "fd00::1:2",
                "fd00::1:3",
                "fd01::1",
                "::1")) {
            InetAddress address = InetAddress.ofLiteral(a);
            assertThat(kernel.lookup(address)).as(a).isEqualTo(memory.lookup(address));
        }
        assertThat(kernel.entries()).containsExactlyInAnyOrderEntriesOf(memory.entries());
    }

    @Test
    void policyMapLookupInTheKernelReturnsTheLongestL4Prefix() {
        PolicyMap kernel = new PolicyMap(track(KernelBpfMap.create(PolicyMap.spec("cilium_policy_01234", 256))));
        PolicyMap memory = PolicyMap.inMemory("cilium_policy_01234", 256);
        long web = 1001;
        List<PolicyMapKey> keys = new ArrayList<>();
        keys.add(PolicyMapKey.anyProtocol(web, Direction.INGRESS));
        keys.add(PolicyMapKey.anyPort(web, Direction.INGRESS, 6));
        keys.add(PolicyMapKey.of(web, Direction.INGRESS, 6, 8080));
        keys.addAll(PolicyMapKey.portRange(web, Direction.INGRESS, 17, 5000, 5999));
        keys.add(PolicyMapKey.of(0, Direction.EGRESS, 17, 53));
        for (PolicyMap map : List.of(kernel, memory)) {
            long cookie = 1;
            for (PolicyMapKey k : keys) {
                map.put(k, PolicyMapValue.allow(k).withCookie(cookie++));
            }
        }

        assertThat(kernel.lookup(PolicyMapKey.of(web, Direction.INGRESS, 6, 8080))
                        .orElseThrow()
                        .l4PrefixLength())
                .isEqualTo(24);
        assertThat(kernel.lookup(PolicyMapKey.of(web, Direction.INGRESS, 6, 443))
                        .orElseThrow()
                        .l4PrefixLength())
                .isEqualTo(8);
        assertThat(kernel.lookup(PolicyMapKey.of(web, Direction.INGRESS, 1, 0))
                        .orElseThrow()
                        .l4PrefixLength())
                .isZero();
        assertThat(kernel.lookup(PolicyMapKey.of(web, Direction.INGRESS, 17, 5500)))
                .isPresent();
        assertThat(kernel.lookup(PolicyMapKey.of(web, Direction.INGRESS, 17, 6000))
                        .orElseThrow()
                        .l4PrefixLength())
                .isZero();
        assertThat(kernel.lookup(PolicyMapKey.of(web, Direction.EGRESS, 6, 8080)))
                .isEmpty();
        assertThat(kernel.lookup(PolicyMapKey.of(2002, Direction.INGRESS, 6, 8080)))
                .isEmpty();

        for (int port : new int[] {0, 53, 443, 4999, 5000, 5500, 5999, 6000, 8080, 65535}) {
            for (int proto : new int[] {1, 6, 17}) {
                for (Direction d : Direction.values()) {
                    for (long id : new long[] {0, web}) {
                        PolicyMapKey probe = PolicyMapKey.of(id, d, proto, port);
                        assertThat(kernel.lookup(probe)).as(probe.toString()).isEqualTo(memory.lookup(probe));
                    }
                }
            }
        }
        assertThat(kernel.entries()).containsExactlyInAnyOrderEntriesOf(memory.entries());
    }

    @Test
    void lpmTrieIterationReturnsTheLastWrittenKeyForAPrefixAsTheInMemoryTrieDoes() {
        KernelBpfMap kernel = track(KernelBpfMap.create(MapSpec.lpmTrie("lpm", 8, 4, 8)));
        LpmTrieInMemory memory = new LpmTrieInMemory(MapSpec.lpmTrie("lpm", 8, 4, 8));
        for (BpfMap map : List.of(kernel, memory)) {
            map.put(lpmKey(8, 0x0A000000), value(1));
            map.put(lpmKey(8, 0x0A123456), value(2));
            map.put(lpmKey(9, 0x0A000000), value(3));
        }
        assertThat(kernel.size()).isEqualTo(2);
        assertThat(kernel.keys()).containsExactlyInAnyOrderElementsOf(memory.keys());
        assertThat(kernel.lookup(lpmKey(32, 0x0A800001)))
                .hasValueSatisfying(v -> assertThat(v).containsExactly(value(2)));
        assertThat(kernel.delete(lpmKey(8, 0x0AFFFFFF))).isTrue();
        assertThat(kernel.size()).isEqualTo(1);
    }

    @Test
    void lpmTriePrefixLongerThanTheDataIsEinvalOnUpdate() {
        KernelBpfMap kernel = track(KernelBpfMap.create(MapSpec.lpmTrie("lpm", 8, 4, 8)));
        assertThatThrownBy(() -> kernel.put(lpmKey(33, 0), value(1)))
                .isInstanceOfSatisfying(BpfMapException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e).hasMessageContaining("BPF_MAP_UPDATE_ELEM");
                });
    }

    @Test
    void hashMapUpdatesAndDeletesInBatchSyscallsAcrossChunks() {
        int n = KernelBpfMap.BATCH_CHUNK * 2 + 100;
        KernelBpfMap map = track(KernelBpfMap.create(MapSpec.hash("batch", 8, 4, n)));
        assertThat(map.usesBatchOps()).isTrue();
        List<BpfMap.Entry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            entries.add(new BpfMap.Entry(key(i), value(i)));
        }
        map.updateAll(entries, UpdateFlag.ANY);
        assertThat(map.usesBatchOps()).isTrue();
        assertThat(map.size()).isEqualTo(n);
        assertThat(map.lookup(key(n - 1))).hasValueSatisfying(v -> assertThat(v).containsExactly(value(n - 1)));

        List<byte[]> doomed = new ArrayList<>();
        for (int i = 0; i < n; i += 2) {
            doomed.add(key(i));
            doomed.add(key(n + i)); // absent: the kernel's batch stops there and is resumed past it
        }
        assertThat(map.deleteAll(doomed)).isEqualTo((n + 1) / 2);
        assertThat(map.size()).isEqualTo(n / 2);
        assertThat(map.lookup(key(0))).isEmpty();
        assertThat(map.lookup(key(1))).isPresent();
    }

    @Test
    void entriesAreReadBackInBatchSyscallsAcrossChunksFromAHashMapAndAnLpmTrie() {
        int n = KernelBpfMap.BATCH_CHUNK * 2 + 100;
        KernelBpfMap hash = track(KernelBpfMap.create(MapSpec.hash("read", 8, 4, n)));
        KernelBpfMap trie = track(KernelBpfMap.create(MapSpec.lpmTrie("read", 8, 4, n)));
        Map<String, String> hashWritten = new HashMap<>();
        Map<String, String> trieWritten = new HashMap<>();
        List<BpfMap.Entry> hashEntries = new ArrayList<>();
        List<BpfMap.Entry> trieEntries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hashEntries.add(new BpfMap.Entry(key(i), value(i)));
            hashWritten.put(HexFormat.of().formatHex(key(i)), HexFormat.of().formatHex(value(i)));
            trieEntries.add(new BpfMap.Entry(lpmKey(32, 0x0A000000 + i), value(i)));
            trieWritten.put(
                    HexFormat.of().formatHex(lpmKey(32, 0x0A000000 + i)),
                    HexFormat.of().formatHex(value(i)));
        }
        hash.updateAll(hashEntries, UpdateFlag.ANY);
        trie.updateAll(trieEntries, UpdateFlag.ANY);

        for (Map.Entry<KernelBpfMap, Map<String, String>> map :
                Map.of(hash, hashWritten, trie, trieWritten).entrySet()) {
            Map<String, Long> before = BpfSyscalls.byCommand();
            Map<String, String> read = new HashMap<>();
            for (BpfMap.Entry e : map.getKey().entries()) {
                assertThat(read.put(
                                HexFormat.of().formatHex(e.key()),
                                HexFormat.of().formatHex(e.value())))
                        .as("a key read twice")
                        .isNull();
            }
            Map<String, Long> after = BpfSyscalls.byCommand();
            assertThat(read).isEqualTo(map.getValue());
            // Three chunks: one call per chunk (the last one reaching the end), no key-by-key walk.
            assertThat(after.getOrDefault("MAP_LOOKUP_BATCH", 0L) - before.getOrDefault("MAP_LOOKUP_BATCH", 0L))
                    .isBetween(3L, 4L);
            assertThat(after.getOrDefault("MAP_GET_NEXT_KEY", 0L))
                    .isEqualTo(before.getOrDefault("MAP_GET_NEXT_KEY", 0L));
        }
        assertThat(hash.delete(key(5))).isTrue();
        assertThat(hash.entries()).hasSize(n - 1);
        assertThat(track(KernelBpfMap.create(MapSpec.hash("empty", 8, 4, 4))).entries())
                .isEmpty();
    }

    @Test
    void batchUpdateWithNoexistGoesEntryByEntryAndStopsAtAnExistingKey() {
        KernelBpfMap map = track(KernelBpfMap.create(MapSpec.hash("batch", 8, 4, 8)));
        map.put(key(2), value(99));
        List<BpfMap.Entry> batch = List.of(
                new BpfMap.Entry(key(1), value(1)),
                new BpfMap.Entry(key(2), value(2)),
                new BpfMap.Entry(key(3), value(3)));
        assertThatThrownBy(() -> map.updateAll(batch, UpdateFlag.NOEXIST))
                .isInstanceOfSatisfying(BpfMapException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EEXIST);
                    assertThat(e).hasMessageContaining("BPF_MAP_UPDATE_ELEM");
                });
        assertThat(map.lookup(key(1))).isPresent();
        assertThat(map.lookup(key(2))).hasValueSatisfying(v -> assertThat(v).containsExactly(value(99)));
        assertThat(map.lookup(key(3))).isEmpty();
    }

    @Test
    void lpmTrieBatchesGoThroughTheKernelWhereItHasBatchOps() {
        KernelBpfMap map = track(KernelBpfMap.create(MapSpec.lpmTrie("lpm", 8, 4, 4)));
        try (Arena arena = Arena.ofConfined()) {
            Bpf bpf = new Bpf(arena);
            MemorySegment keys = arena.allocate(8);
            keys.copyFrom(MemorySegment.ofArray(lpmKey(32, 1)));
            int r = bpf.batch(Bpf.BPF_MAP_UPDATE_BATCH, map.fd(), keys, arena.allocate(4), 1, 0);
            System.out.println("BPF_MAP_UPDATE_BATCH on an LPM trie, kernel " + System.getProperty("os.version") + ": "
                    + (r == 0 ? "supported" : Bpf.errnoName(-r)));
            assertThat(map.delete(lpmKey(32, 1))).isEqualTo(r == 0);
        }
        map.updateAll(
                List.of(
                        new BpfMap.Entry(lpmKey(8, 0x0A000000), value(8)),
                        new BpfMap.Entry(lpmKey(16, 0x0A010000), value(16)),
                        new BpfMap.Entry(lpmKey(24, 0x0A010200), value(24))),
                UpdateFlag.ANY);
        assertThat(map.lookup(lpmKey(32, 0x0A010203)))
                .hasValueSatisfying(v -> assertThat(v).containsExactly(value(24)));
        assertThatThrownBy(() -> map.updateAll(
                        List.of(new BpfMap.Entry(lpmKey(32, 1), value(1)), new BpfMap.Entry(lpmKey(32, 2), value(2))),
                        UpdateFlag.ANY))
                .isInstanceOfSatisfying(
                        BpfMapException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC));
        assertThat(map.lookup(lpmKey(32, 1))).isPresent();
        assertThat(map.deleteAll(List.of(lpmKey(8, 0x0A000000), lpmKey(24, 0x0A999900), lpmKey(16, 0x0A010000))))
                .isEqualTo(2);
        assertThat(map.size()).isEqualTo(2);
    }

    @Test
    void lpmTrieKeysWithAPrefixBeyondTheDataBehaveAsInTheInMemoryTrie() {
        KernelBpfMap kernel = track(KernelBpfMap.create(MapSpec.lpmTrie("lpm", 8, 4, 8)));
        LpmTrieInMemory memory = new LpmTrieInMemory(MapSpec.lpmTrie("lpm", 8, 4, 8));
        for (BpfMap map : List.of(kernel, memory)) {
            map.put(lpmKey(0, 0), value(1));
        }
        assertThat(kernel.lookup(lpmKey(33, 0)).isPresent())
                .isEqualTo(memory.lookup(lpmKey(33, 0)).isPresent());
        assertThat(kernel.delete(lpmKey(33, 0)))
                .isEqualTo(memory.delete(lpmKey(33, 0)))
                .isFalse();
        assertThat(kernel.deleteAll(List.of(lpmKey(33, 0), lpmKey(0, 0)))).isEqualTo(1);
        assertThat(kernel.size()).isZero();
    }

    @Test
    void bpftoolDumpsTheKeyBytesThatWereWritten() throws Exception {
        Path bpftool = Path.of("/usr/sbin/bpftool");
        assumeTrue(Files.isExecutable(bpftool), "bpftool not installed");
        Path pin = pinDir().resolve("cilium_ipcache_v2");
        KernelBpfMap map = track(KernelBpfMap.createOrOpenPinned(pin, Ipcache.spec("cilium_ipcache_v2", 16)));
        byte[] k = IpcacheKey.ofCidr("10.1.0.0/16").encode();
        byte[] v = IpcacheValue.of(16777218).encode();
        map.put(k, v);

        Process p = new ProcessBuilder(bpftool.toString(), "-j", "map", "dump", "pinned", pin.toString())
                .redirectErrorStream(true)
                .start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(json).isZero();
        assertThat(hexArray(json, "key")).isEqualTo(HexFormat.of().formatHex(k));
        assertThat(hexArray(json, "value")).isEqualTo(HexFormat.of().formatHex(v));
    }

    @Test
    void pinningOutsideABpffsIsRefusedWithAHint() throws Exception {
        Path dir = Files.createTempDirectory("tendril-not-bpffs");
        try {
            KernelBpfMap map = track(KernelBpfMap.create(MapSpec.hash("h", 8, 4, 4)));
            assertThatThrownBy(() -> map.pin(dir.resolve("h"))).isInstanceOfSatisfying(BpfMapException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EPERM);
                assertThat(e).hasMessageContaining("bpffs");
            });
        } finally {
            BpfTestSupport.deleteRecursively(dir);
        }
    }

    @Test
    void concurrentWritersDoNotCorruptEachOthersBuffers() throws Exception {
        KernelBpfMap map = track(KernelBpfMap.create(MapSpec.hash("concurrent", 8, 4, 4096)));
        int threads = 4;
        int perThread = 500;
        List<Integer> wrongReads = Collections.synchronizedList(new ArrayList<>());
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * perThread;
            workers.add(Thread.ofPlatform().start(() -> {
                for (int i = base; i < base + perThread; i++) {
                    map.put(key(i), value(i));
                    if (!Arrays.equals(map.lookup(key(i)).orElse(null), value(i))) {
                        wrongReads.add(i);
                    }
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        assertThat(wrongReads).isEmpty();
        assertThat(map.size()).isEqualTo(threads * perThread);
        for (BpfMap.Entry e : map.entries()) {
            assertThat(e.value()).containsExactly(value((e.key()[0] & 0xFF) | (e.key()[1] & 0xFF) << 8));
        }
    }

    @Test
    void aClosedMapRefusesOperationsAndClosesOnce() {
        KernelBpfMap map = KernelBpfMap.create(MapSpec.hash("closed", 8, 4, 4));
        map.close();
        map.close();
        assertThatThrownBy(() -> map.put(key(1), value(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(map::keys).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void kernelMapNamesKeepFifteenValidCharacters() {
        assertThat(KernelBpfMap.kernelName("cilium_ipcache_v2")).isEqualTo("cilium_ipcache_");
        assertThat(KernelBpfMap.kernelName("policy/ns-a:web")).isEqualTo("policy_ns_a_web");
        assertThat(KernelBpfMap.kernelName("a.b")).isEqualTo("a.b");
    }

    @Test
    void specsOfTheThreeTendrilMapTypesRoundTripThroughTheKernel() {
        for (MapSpec spec : List.of(
                MapSpec.hash("h", 24, 24, 100), MapSpec.lruHash("r", 24, 24, 100), MapSpec.lpmTrie("l", 24, 24, 100))) {
            Path pin = pinDir().resolve("rt_" + spec.type());
            track(KernelBpfMap.create(spec)).pin(pin);
            MapSpec back = track(KernelBpfMap.openPinned(pin)).spec();
            assertThat(back.type()).isEqualTo(spec.type());
            assertThat(back)
                    .isEqualTo(new MapSpec(pin.getFileName().toString(), spec.type(), 24, 24, 100, spec.mapFlags()));
        }
        assertThat(MapType.values()).hasSize(3);
    }

    private Path pinDir() {
        if (pinDir == null) {
            pinDir = BpfTestSupport.newPinDirectory();
        }
        return pinDir;
    }

    private KernelBpfMap track(KernelBpfMap map) {
        opened.add(map);
        return map;
    }

    private static long identityOf(Ipcache ipcache, String address) {
        return ipcache.lookup(InetAddress.ofLiteral(address)).orElseThrow().identity();
    }

    /** bpftool -j prints bytes as ["0x0a","0x01",...]; this joins the first such array after a field. */
    private static String hexArray(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":\\[([^\\]]*)]").matcher(json);
        assertThat(m.find()).as(json).isTrue();
        StringBuilder sb = new StringBuilder();
        for (String b : m.group(1).split(",")) {
            sb.append(b.replace("\"", "").replace("0x", "").strip());
        }
        return sb.toString();
    }

    private static byte[] key(int i) {
        return new byte[] {(byte) i, (byte) (i >>> 8), (byte) (i >>> 16), 0, 0, 0, 0, 7};
    }

    private static byte[] value(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), 0};
    }
}
