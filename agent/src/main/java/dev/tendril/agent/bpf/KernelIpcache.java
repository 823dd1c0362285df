package dev.tendril.agent.bpf;

import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.MapType;
import dev.tendril.datapath.maps.UpdateFlag;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node's ipcache as the kernel datapath reads it: Cilium's LPM trie {@code cilium_ipcache_v2} and
 * Tendril's hash {@code tendril_ipcache_hosts}, which holds the trie's host entries (/32 and /128) again
 * under the same keys. The programs look an address up in the hash first and in the trie on a miss: a
 * hash lookup costs the same at any size, where the trie's deepens as it fills with pod addresses.
 *
 * <p>As a {@link BpfMap} this is the trie: reads, sizes and the spec are the trie's (so {@code tendril bpf
 * ipcache list} and every diff see Cilium's map), and every write goes to both maps, so that one writer
 * keeps them in step. The hash may lack an entry (the programs then ask the trie, which answers the same)
 * but must never hold one the trie has not: deletions leave the hash first, a batch the trie refuses takes
 * its host keys out of the hash, and {@link #open} brings the hash in step with the trie before anything is
 * written (a first start over an older agent's pins, or an agent stopped between the two writes).
 */
public final class KernelIpcache implements BpfMap, AutoCloseable {

    /** The pin name of the host-entry hash, beside {@code cilium_ipcache_v2}. */
    public static final String HOSTS = "tendril_ipcache_hosts";

    private static final int IPV4_HOST = IpcacheKey.STATIC_PREFIX_BITS + 32;
    private static final int IPV6_HOST = IpcacheKey.STATIC_PREFIX_BITS + 128;

    private final KernelBpfMap trie;
    private final KernelBpfMap hosts;

    private KernelIpcache(KernelBpfMap trie, KernelBpfMap hosts) {
        this.trie = trie;
        this.hosts = hosts;
    }

    /** The hash's shape for an ipcache of {@code maxEntries}: the same key, value and size. */
    public static MapSpec hostsSpec(int maxEntries) {
        return new MapSpec(
                HOSTS, MapType.HASH, IpcacheKey.SIZE, IpcacheValue.SIZE, maxEntries, MapSpec.BPF_F_NO_PREALLOC);
    }

    /**
     * The ipcache pinned in {@code dir} under {@code trieSpec.name()} and its host hash beside it, each
     * created when missing; the hash is then corrected to the trie's host entries.
     *
     * @throws IllegalStateException when either is pinned with another shape
     */
    public static KernelIpcache open(Path dir, MapSpec trieSpec) {
        KernelBpfMap trie = KernelBpfMap.createOrOpenPinned(dir.resolve(trieSpec.name()), trieSpec);
        KernelBpfMap hosts;
        try {
            hosts = KernelBpfMap.createOrOpenPinned(dir.resolve(HOSTS), hostsSpec(trieSpec.maxEntries()));
        } catch (RuntimeException e) {
            trie.close();
            throw e;
        }
        KernelIpcache ipcache = new KernelIpcache(trie, hosts);
        try {
            ipcache.syncHosts();
        } catch (RuntimeException e) {
            ipcache.close();
            throw e;
        }
        return ipcache;
    }

    /** Whether the key is a host entry (a full-length prefix), the only keys the hash holds. */
    public static boolean isHost(byte[] key) {
        int prefixlen = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        int family = key[7];
        return (family == IpcacheKey.FAMILY_IPV4 && prefixlen == IPV4_HOST)
                || (family == IpcacheKey.FAMILY_IPV6 && prefixlen == IPV6_HOST);
    }

    /**
     * Makes the hash hold exactly the trie's host entries: the number of hash entries written or deleted.
     * Only the agent's writer calls it, before it writes (the two reads would race its writes).
     */
    int syncHosts() {
        Map<ByteBuffer, byte[]> want = new HashMap<>();
        for (Entry e : trie.entries()) {
            if (isHost(e.key())) {
                want.put(ByteBuffer.wrap(e.key()), e.value());
            }
        }
        List<byte[]> stale = new ArrayList<>();
        for (Entry e : hosts.entries()) {
            byte[] v = want.remove(ByteBuffer.wrap(e.key()));
            if (v == null) {
                stale.add(e.key());
            } else if (!Arrays.equals(v, e.value())) {
                want.put(ByteBuffer.wrap(e.key()), v);
            }
        }
        int deleted = stale.isEmpty() ? 0 : hosts.deleteAll(stale);
        if (!want.isEmpty()) {
            List<Entry> writes = new ArrayList<>(want.size());
            want.forEach((k, v) -> writes.add(new Entry(k.array(), v)));
            hosts.updateAll(writes, UpdateFlag.ANY);
        }
        return deleted + want.size();
    }

    /** The host hash, for tests and tools that check it against the trie. */
    public BpfMap hosts() {
        return hosts;
    }

    @Override
    public MapSpec spec() {
        return trie.spec();
    }

    @Override
    public void update(byte[] key, byte[] value, UpdateFlag flag) {
        try {
            trie.update(key, value, flag);
        } catch (RuntimeException e) {
            if (isHost(key)) {
                hosts.delete(key);
            }
            throw e;
        }
        if (isHost(key)) {
            hosts.update(key, value, UpdateFlag.ANY);
        }
    }

    @Override
    public Optional<byte[]> lookup(byte[] key) {
        return trie.lookup(key);
    }

    @Override
    public boolean delete(byte[] key) {
        if (isHost(key)) {
            hosts.delete(key);
        }
        return trie.delete(key);
    }

    /**
     * The trie's batch, then the host entries of it in the hash; when the trie refuses part of the batch,
     * its host keys leave the hash instead (the trie may hold the old values of some of them).
     */
    @Override
    public void updateAll(List<Entry> entries, UpdateFlag flag) {
        List<Entry> hostEntries = new ArrayList<>();
        for (Entry e : entries) {
            if (isHost(e.key())) {
                hostEntries.add(e);
            }
        }
        try {
            trie.updateAll(entries, flag);
        } catch (RuntimeException e) {
            if (!hostEntries.isEmpty()) {
                hosts.deleteAll(hostEntries.stream().map(Entry::key).toList());
            }
            throw e;
        }
        if (!hostEntries.isEmpty()) {
            hosts.updateAll(hostEntries, UpdateFlag.ANY);
        }
    }

    /** The host keys leave the hash first, so that the hash never holds a key the trie has not. */
    @Override
    public int deleteAll(List<byte[]> keys) {
        List<byte[]> hostKeys = keys.stream().filter(KernelIpcache::isHost).toList();
        if (!hostKeys.isEmpty()) {
            hosts.deleteAll(hostKeys);
        }
        return trie.deleteAll(keys);
    }

    @Override
    public List<byte[]> keys() {
        return trie.keys();
    }

    @Override
    public List<Entry> entries() {
        return trie.entries();
    }

    @Override
    public int size() {
        return trie.size();
    }

    @Override
    public void close() {
        try {
            hosts.close();
        } finally {
            trie.close();
        }
    }
}
