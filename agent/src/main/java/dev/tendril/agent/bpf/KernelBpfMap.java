package dev.tendril.agent.bpf;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.BpfMapException;
import dev.tendril.datapath.maps.Errno;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.MapType;
import dev.tendril.datapath.maps.UpdateFlag;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real eBPF map, held by its file descriptor: the kernel-side twin of the libs/datapath in-memory
 * maps, passing the same {@code BpfMapContractTest}. Pinned under a bpffs, a map and its contents
 * outlive the process; {@link #createOrOpenPinned(Path, MapSpec)} reuses such a map after a restart.
 *
 * <p>Every operation holds this map's lock (one off-heap key/value/attr buffer set per map), so
 * concurrent callers are safe, though they serialise. {@link #updateAll} with {@link UpdateFlag#ANY}
 * and {@link #deleteAll} take one BPF_MAP_*_BATCH syscall per {@value #BATCH_CHUNK} entries, on hash
 * maps (batch ops since Linux 5.6) and on LPM tries alike (the kernel's generic batch ops, present on
 * the 6.18 kernel this was tested on but not on every kernel); a kernel without them answers ENOTSUPP
 * once and the map goes entry by entry from then on. The
 * kernel's batch update takes no BPF_NOEXIST / BPF_EXIST ({@code elem_flags} may only hold
 * BPF_F_LOCK), so those batches go entry by entry.
 *
 * <p>Longer than 400 lines: one binding, every method one bpf(2) command (or batch of them) on the same
 * file descriptor and off-heap buffers, with the errno each can give explained; splitting it would
 * spread one map's lock and buffers over several classes.
 */
public final class KernelBpfMap implements BpfMap, AutoCloseable {
    /** Entries per BPF_MAP_*_BATCH syscall: bounds the off-heap copy of a large batch. */
    static final int BATCH_CHUNK = 8192;

    private final MapSpec spec;
    private final Arena arena;
    private final Bpf bpf;
    private final MemorySegment key;
    private final MemorySegment nextKey;
    private final MemorySegment value;
    private int fd;
    private boolean batchOps;
    private boolean lookupBatch = true;

    private KernelBpfMap(MapSpec spec, Arena arena, Bpf bpf, int fd) {
        this.spec = spec;
        this.arena = arena;
        this.bpf = bpf;
        this.fd = fd;
        this.key = arena.allocate(spec.keySize(), 8);
        this.nextKey = arena.allocate(spec.keySize(), 8);
        this.value = arena.allocate(spec.valueSize(), 8);
        this.batchOps = true;
    }

    /** BPF_MAP_CREATE: a new, unpinned map, gone when it is closed (unless pinned first). */
    // The arena belongs to the returned map, which closes it in close(); it is closed here only on failure.
    @SuppressWarnings("MustBeClosedChecker")
    public static KernelBpfMap create(MapSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("spec must not be null");
        }
        Arena arena = Arena.ofShared();
        try {
            Bpf bpf = new Bpf(arena);
            int fd = bpf.mapCreate(
                    spec.type().kernelValue(),
                    spec.keySize(),
                    spec.valueSize(),
                    spec.maxEntries(),
                    spec.mapFlags(),
                    kernelName(spec.name()));
            if (fd < 0) {
                throw error(
                        spec.name(),
                        "BPF_MAP_CREATE " + describe(spec),
                        -fd,
                        -fd == Bpf.EPERM ? "not permitted: needs root or CAP_BPF" : "refused");
            }
            return new KernelBpfMap(spec, arena, bpf, fd);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * BPF_OBJ_GET: the map pinned at {@code path}, its spec read back from the kernel
     * (BPF_OBJ_GET_INFO_BY_FD) and named after the pin's file name.
     *
     * @throws BpfMapException ENOENT when nothing is pinned there
     * @throws UnsupportedPinException when the pinned object is not a map, or a map of a type Tendril does not
     *     use
     */
    // The arena belongs to the returned map, which closes it in close(); it is closed here only on failure.
    @SuppressWarnings("MustBeClosedChecker")
    public static KernelBpfMap openPinned(Path path) {
        String name = pinName(path);
        Arena arena = Arena.ofShared();
        Bpf bpf = null;
        int fd = -1;
        try {
            bpf = new Bpf(arena);
            MemorySegment cPath = arena.allocateFrom(path.toString(), StandardCharsets.UTF_8);
            fd = bpf.objGet(cPath);
            if (fd < 0) {
                int errno = -fd;
                throw error(
                        name, "BPF_OBJ_GET " + path, errno, errno == Bpf.ENOENT ? "no pinned map there" : "refused");
            }
            if (!isMapFd(fd)) {
                throw new UnsupportedPinException(name + ": the object pinned at " + path + " is not a map");
            }
            MemorySegment info = arena.allocate(Bpf.MAP_INFO_SIZE, 8);
            int r = bpf.mapInfo(fd, info);
            if (r < 0) {
                throw error(name, "BPF_OBJ_GET_INFO_BY_FD " + path, -r, "refused");
            }
            int type = info.get(JAVA_INT, Bpf.INFO_TYPE);
            MapType mapType = null;
            for (MapType t : MapType.values()) {
                if (t.kernelValue() == type) {
                    mapType = t;
                }
            }
            if (mapType == null) {
                throw new UnsupportedPinException(name + ": pinned map at " + path + " has map type " + type
                        + ", Tendril only uses " + List.of(MapType.values()));
            }
            MapSpec spec = new MapSpec(
                    name,
                    mapType,
                    info.get(JAVA_INT, Bpf.INFO_KEY_SIZE),
                    info.get(JAVA_INT, Bpf.INFO_VALUE_SIZE),
                    info.get(JAVA_INT, Bpf.INFO_MAX_ENTRIES),
                    info.get(JAVA_INT, Bpf.INFO_MAP_FLAGS));
            return new KernelBpfMap(spec, arena, bpf, fd);
        } catch (RuntimeException e) {
            if (fd >= 0) {
                bpf.close(fd);
            }
            arena.close();
            throw e;
        }
    }

    /**
     * The map pinned at {@code path} if it has {@code spec}'s type, key and value sizes, capacity and
     * flags, contents and all (an agent restart); otherwise a new map, pinned there. Parent directories
     * are created.
     *
     * @throws IllegalStateException when a map of another shape is pinned there; it is left alone
     */
    public static KernelBpfMap createOrOpenPinned(Path path, MapSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("spec must not be null");
        }
        pinName(path);
        for (int attempt = 0; ; attempt++) {
            if (Files.exists(path)) {
                KernelBpfMap pinned = openPinned(path);
                MapSpec found = pinned.spec;
                if (found.type() != spec.type()
                        || found.keySize() != spec.keySize()
                        || found.valueSize() != spec.valueSize()
                        || found.maxEntries() != spec.maxEntries()
                        || found.mapFlags() != spec.mapFlags()) {
                    pinned.close();
                    throw new IllegalStateException(spec.name() + ": the map pinned at " + path + " is "
                            + describe(found) + ", expected " + describe(spec)
                            + "; remove the pin to let it be recreated empty");
                }
                return pinned.renamed(spec);
            }
            KernelBpfMap created = create(spec);
            try {
                created.pin(path);
                return created;
            } catch (BpfMapException e) {
                created.close();
                // Another process pinned the same path between our check and our pin: use its map.
                if (e.errno() != Errno.EEXIST || attempt > 0) {
                    throw e;
                }
            } catch (RuntimeException e) {
                created.close();
                throw e;
            }
        }
    }

    /** Why bpf(2) maps cannot be created here (platform, privileges), or empty when they can. */
    public static Optional<String> unavailableReason() {
        Optional<String> platform = Bpf.platformProblem();
        if (platform.isPresent()) {
            return platform;
        }
        try (KernelBpfMap probe = create(MapSpec.hash("tendril_probe", 4, 4, 1))) {
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * BPF_OBJ_PIN at {@code path} on a bpffs, creating parent directories: the map then lives until the
     * pin is removed, whatever happens to this process.
     *
     * @throws BpfMapException EEXIST when something is pinned there already
     */
    public synchronized void pin(Path path) {
        pinName(path);
        int fd = requireOpen();
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    spec.name() + ": cannot create " + path.getParent()
                            + " (is it on a bpffs mount? mount -t bpf bpf /sys/fs/bpf)",
                    e);
        }
        try (Arena a = Arena.ofConfined()) {
            int r = bpf.objPin(fd, a.allocateFrom(path.toString(), StandardCharsets.UTF_8));
            if (r < 0) {
                int errno = -r;
                String why = switch (errno) {
                    case Bpf.EEXIST -> "something is pinned there already";
                    case Bpf.EPERM -> "not permitted; is " + path.getParent() + " on a bpffs mount?";
                    default -> "refused";
                };
                throw error(spec.name(), "BPF_OBJ_PIN " + path, errno, why);
            }
        }
    }

    @Override
    public MapSpec spec() {
        return spec;
    }

    /** Whether updateAll (with ANY) and deleteAll use BPF_MAP_*_BATCH: until the kernel says it has none for this map. */
    public synchronized boolean usesBatchOps() {
        return batchOps;
    }

    @Override
    public synchronized void update(byte[] k, byte[] v, UpdateFlag flag) {
        checkKey(k);
        checkValue(v);
        checkFlag(flag);
        int fd = requireOpen();
        MemorySegment.copy(k, 0, key, JAVA_BYTE, 0, k.length);
        MemorySegment.copy(v, 0, value, JAVA_BYTE, 0, v.length);
        int r = bpf.update(fd, key, value, flag.kernelValue());
        if (r < 0) {
            throw updateError(-r, "BPF_MAP_UPDATE_ELEM");
        }
    }

    @Override
    public synchronized Optional<byte[]> lookup(byte[] k) {
        checkKey(k);
        int fd = requireOpen();
        MemorySegment.copy(k, 0, key, JAVA_BYTE, 0, k.length);
        int r = bpf.lookup(fd, key, value);
        if (r == -Bpf.ENOENT) {
            return Optional.empty();
        }
        if (r < 0) {
            throw error(spec.name(), "BPF_MAP_LOOKUP_ELEM", -r, "refused");
        }
        return Optional.of(value.toArray(JAVA_BYTE));
    }

    /**
     * BPF_MAP_DELETE_ELEM. An LPM key whose prefix length exceeds the data bits cannot be stored, so it
     * is absent (false) here as in the in-memory trie; the kernel would answer EINVAL.
     */
    @Override
    public synchronized boolean delete(byte[] k) {
        checkKey(k);
        int fd = requireOpen();
        if (unstorable(k)) {
            return false;
        }
        MemorySegment.copy(k, 0, key, JAVA_BYTE, 0, k.length);
        int r = bpf.delete(fd, key);
        if (r == -Bpf.ENOENT) {
            return false;
        }
        if (r < 0) {
            throw error(spec.name(), "BPF_MAP_DELETE_ELEM", -r, "refused");
        }
        return true;
    }

    /**
     * BPF_MAP_UPDATE_BATCH for {@link UpdateFlag#ANY}, entry by entry otherwise; either way the first
     * failure stops the batch and is thrown, and the entries before it stay applied.
     */
    @Override
    public void updateAll(List<Entry> entries, UpdateFlag flag) {
        checkFlag(flag);
        for (Entry e : entries) {
            checkKey(e.key());
            checkValue(e.value());
        }
        synchronized (this) {
            int from = 0;
            while (from < entries.size() && batchOps && flag == UpdateFlag.ANY) {
                int n = Math.min(BATCH_CHUNK, entries.size() - from);
                int done = updateChunk(entries.subList(from, from + n), flag);
                if (done < 0) {
                    break; // the kernel has no batch ops for this map: the rest goes entry by entry
                }
                from += n;
            }
            for (Entry e : entries.subList(from, entries.size())) {
                update(e.key(), e.value(), flag);
            }
        }
    }

    /** One BPF_MAP_UPDATE_BATCH: the count applied, or -1 (nothing applied) when batch ops are unsupported. */
    private int updateChunk(List<Entry> chunk, UpdateFlag flag) {
        int fd = requireOpen();
        int n = chunk.size();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment keys = a.allocate((long) n * spec.keySize(), 8);
            MemorySegment values = a.allocate((long) n * spec.valueSize(), 8);
            for (int i = 0; i < n; i++) {
                Entry e = chunk.get(i);
                MemorySegment.copy(e.key(), 0, keys, JAVA_BYTE, (long) i * spec.keySize(), spec.keySize());
                MemorySegment.copy(e.value(), 0, values, JAVA_BYTE, (long) i * spec.valueSize(), spec.valueSize());
            }
            int r = bpf.batch(Bpf.BPF_MAP_UPDATE_BATCH, fd, keys, values, n, flag.kernelValue());
            if (r == 0) {
                return n;
            }
            // A refusal before the first element (flags, no batch op) leaves batch.count as we wrote it.
            int applied = bpf.batchCount();
            boolean beforeAny = applied == 0 || applied >= n;
            if (unsupported(-r) && beforeAny) {
                batchOps = false;
                return -1;
            }
            throw updateError(
                    -r,
                    beforeAny
                            ? "BPF_MAP_UPDATE_BATCH of " + n + " entries"
                            : "BPF_MAP_UPDATE_BATCH (element " + applied + " of " + n + ")");
        }
    }

    /** BPF_MAP_DELETE_BATCH, continuing past absent keys (where the kernel's batch stops with ENOENT). */
    @Override
    public int deleteAll(List<byte[]> all) {
        List<byte[]> keys = new ArrayList<>(all.size());
        for (byte[] k : all) {
            checkKey(k);
            if (!unstorable(k)) {
                keys.add(k);
            }
        }
        synchronized (this) {
            int deleted = 0;
            int from = 0;
            while (from < keys.size() && batchOps) {
                int n = Math.min(BATCH_CHUNK, keys.size() - from);
                int[] result = deleteChunk(keys.subList(from, from + n));
                if (result == null) {
                    break;
                }
                deleted += result[0];
                from += result[1];
            }
            for (byte[] k : keys.subList(from, keys.size())) {
                if (delete(k)) {
                    deleted++;
                }
            }
            return deleted;
        }
    }

    /**
     * One BPF_MAP_DELETE_BATCH; the kernel stops at an absent key (ENOENT), which is skipped. Returns
     * {deleted, keys consumed}, or null when batch ops are unsupported and nothing was deleted.
     */
    private int[] deleteChunk(List<byte[]> chunk) {
        int fd = requireOpen();
        int n = chunk.size();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment keys = a.allocate((long) n * spec.keySize(), 8);
            for (int i = 0; i < n; i++) {
                MemorySegment.copy(chunk.get(i), 0, keys, JAVA_BYTE, (long) i * spec.keySize(), spec.keySize());
            }
            int deleted = 0;
            int at = 0;
            while (at < n) {
                MemorySegment rest = keys.asSlice((long) at * spec.keySize());
                int r = bpf.batch(Bpf.BPF_MAP_DELETE_BATCH, fd, rest, MemorySegment.NULL, n - at, 0);
                int done = r == 0 ? n - at : bpf.batchCount();
                if (done >= n - at && r != 0) {
                    done = 0; // refused before the first key: batch.count is still what we wrote
                }
                deleted += done;
                at += done;
                if (r == 0) {
                    break;
                }
                if (r == -Bpf.ENOENT) {
                    at++;
                } else if (unsupported(-r) && deleted == 0 && at == 0) {
                    batchOps = false;
                    return null;
                } else {
                    throw error(spec.name(), "BPF_MAP_DELETE_BATCH", -r, "refused");
                }
            }
            return new int[] {deleted, n};
        }
    }

    /**
     * Every key, by BPF_MAP_GET_NEXT_KEY from a null key. A hash map restarts from its first bucket when
     * the current key vanishes under the iteration (a BPF program deleting it), so keys are de-duplicated.
     */
    @Override
    public synchronized List<byte[]> keys() {
        int fd = requireOpen();
        Map<ByteBuffer, byte[]> seen = new LinkedHashMap<>();
        MemorySegment current = MemorySegment.NULL;
        long limit = 4L * spec.maxEntries() + 16;
        for (long steps = 0; ; steps++) {
            if (steps > limit) {
                throw new IllegalStateException(spec.name() + ": BPF_MAP_GET_NEXT_KEY iteration did not end after "
                        + limit + " steps (the map keeps changing under it)");
            }
            int r = bpf.nextKey(fd, current, nextKey);
            if (r == -Bpf.ENOENT) {
                break;
            }
            if (r < 0) {
                throw error(spec.name(), "BPF_MAP_GET_NEXT_KEY", -r, "refused");
            }
            byte[] k = nextKey.toArray(JAVA_BYTE);
            seen.putIfAbsent(ByteBuffer.wrap(k), k);
            MemorySegment.copy(nextKey, 0, key, 0, spec.keySize());
            current = key;
        }
        return new ArrayList<>(seen.values());
    }

    /**
     * Every key with its value, under this map's lock; keys a BPF program deletes meanwhile are left out. One
     * BPF_MAP_LOOKUP_BATCH per {@value #BATCH_CHUNK} entries (a 300,000-entry ipcache read back in 37 syscalls instead
     * of 600,000), or key by key on a kernel without it.
     */
    @Override
    public synchronized List<Entry> entries() {
        if (lookupBatch) {
            List<Entry> batched = entriesBatched();
            if (batched != null) {
                return batched;
            }
        }
        List<Entry> out = new ArrayList<>();
        for (byte[] k : keys()) {
            lookup(k).ifPresent(v -> out.add(new Entry(k, v)));
        }
        return out;
    }

    /** The entries by BPF_MAP_LOOKUP_BATCH, or null when this kernel has none for this map (then never tried again). */
    private List<Entry> entriesBatched() {
        int fd = requireOpen();
        int keySize = spec.keySize();
        int valueSize = spec.valueSize();
        // A key a program deleted between two calls can make an LPM trie's walk start over: keys are kept once.
        Map<ByteBuffer, Entry> seen = new LinkedHashMap<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment keys = a.allocate((long) BATCH_CHUNK * keySize, 8);
            MemorySegment values = a.allocate((long) BATCH_CHUNK * valueSize, 8);
            long positionSize = Math.max(keySize, 8);
            MemorySegment from = a.allocate(positionSize, 8);
            MemorySegment next = a.allocate(positionSize, 8);
            long limit = 4L * spec.maxEntries() / BATCH_CHUNK + 16;
            for (long call = 0; ; call++) {
                if (call > limit) {
                    throw new IllegalStateException(spec.name() + ": BPF_MAP_LOOKUP_BATCH did not reach the end after "
                            + limit + " calls (the map keeps changing under it)");
                }
                int r = bpf.lookupBatch(fd, call == 0 ? MemorySegment.NULL : from, next, keys, values, BATCH_CHUNK);
                if (r < 0 && r != -Bpf.ENOENT) {
                    if (call == 0 && (unsupported(-r) || r == -Bpf.EINVAL)) {
                        lookupBatch = false;
                        return null;
                    }
                    throw error(spec.name(), "BPF_MAP_LOOKUP_BATCH", -r, "refused");
                }
                int n = bpf.batchCount();
                for (int i = 0; i < n; i++) {
                    byte[] k = keys.asSlice((long) i * keySize, keySize).toArray(JAVA_BYTE);
                    byte[] v = values.asSlice((long) i * valueSize, valueSize).toArray(JAVA_BYTE);
                    seen.putIfAbsent(ByteBuffer.wrap(k), new Entry(k, v));
                }
                if (r == -Bpf.ENOENT || n == 0) {
                    return new ArrayList<>(seen.values());
                }
                MemorySegment.copy(next, 0, from, 0, positionSize);
            }
        }
    }

    /** The number of keys iteration finds: one syscall per entry. */
    @Override
    public synchronized int size() {
        return keys().size();
    }

    /** Closes the file descriptor; the map stays in the kernel while it is pinned (or used by a program). */
    @Override
    public synchronized void close() {
        if (fd < 0) {
            return;
        }
        int r = bpf.close(fd);
        fd = -1;
        arena.close();
        if (r < 0) {
            throw new BpfSyscallException(spec.name() + ": close(2) of the map fd failed", -r);
        }
    }

    /** The open file descriptor, for handing the map to other bpf(2) commands in this package. */
    synchronized int fd() {
        return requireOpen();
    }

    @Override
    public String toString() {
        return "KernelBpfMap[" + describe(spec) + ", fd " + fd + "]";
    }

    /** This open map under another spec of the same shape (the caller's name for a pinned map). */
    private KernelBpfMap renamed(MapSpec wanted) {
        if (wanted.name().equals(spec.name())) {
            return this;
        }
        int fd = this.fd;
        this.fd = -1; // ownership of the fd and the arena moves to the new instance
        return new KernelBpfMap(wanted, arena, bpf, fd);
    }

    private int requireOpen() {
        if (fd < 0) {
            throw new IllegalStateException(spec.name() + ": map is closed");
        }
        return fd;
    }

    private RuntimeException updateError(int errno, String op) {
        if (errno == Errno.E2BIG.number() || errno == Errno.ENOSPC.number()) {
            return error(spec.name(), op, errno, "map full (" + spec.maxEntries() + " entries)");
        }
        String why = switch (errno) {
            case Bpf.EEXIST -> "key exists";
            case Bpf.ENOENT -> "key does not exist";
            case Bpf.EINVAL ->
                spec.type() == MapType.LPM_TRIE
                        ? "invalid key or flags (an LPM prefix length beyond " + spec.maxPrefixLength() + " data bits?)"
                        : "invalid key or flags";
            default -> "refused";
        };
        return error(spec.name(), op, errno, why);
    }

    /**
     * Whether an fd from BPF_OBJ_GET is a map rather than a program or link, whose info
     * BPF_OBJ_GET_INFO_BY_FD would lay out differently; /proc/self/fdinfo names a map's {@code map_type}.
     * Without procfs the answer is yes, and the type check after it still guards.
     */
    private static boolean isMapFd(int fd) {
        try {
            return Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
                    .anyMatch(l -> l.startsWith("map_type:"));
        } catch (IOException | UncheckedIOException e) {
            return true;
        }
    }

    /** An LPM key with a prefix length beyond the data bits: the kernel refuses to store it (EINVAL). */
    private boolean unstorable(byte[] k) {
        if (spec.type() != MapType.LPM_TRIE) {
            return false;
        }
        long prefix = (k[0] & 0xFFL) | (k[1] & 0xFFL) << 8 | (k[2] & 0xFFL) << 16 | (k[3] & 0xFFL) << 24;
        return prefix > spec.maxPrefixLength();
    }

    private static boolean unsupported(int errno) {
        return errno == Bpf.ENOTSUPP || errno == Bpf.EOPNOTSUPP;
    }

    /** A BpfMapException when Tendril names the errno, a BpfSyscallException otherwise. */
    private static RuntimeException error(String mapName, String op, int errno, String why) {
        Optional<Errno> named = Errno.of(errno);
        if (named.isPresent()) {
            return new BpfMapException(mapName, named.get(), op + ": " + why);
        }
        return new BpfSyscallException(mapName + ": " + op + ": " + why, errno);
    }

    private void checkKey(byte[] k) {
        if (k == null || k.length != spec.keySize()) {
            throw new IllegalArgumentException(
                    spec.name() + ": key must be " + spec.keySize() + " bytes, got " + (k == null ? "null" : k.length));
        }
    }

    private void checkValue(byte[] v) {
        if (v == null || v.length != spec.valueSize()) {
            throw new IllegalArgumentException(spec.name() + ": value must be " + spec.valueSize() + " bytes, got "
                    + (v == null ? "null" : v.length));
        }
    }

    private void checkFlag(UpdateFlag flag) {
        if (flag == null) {
            throw new IllegalArgumentException(spec.name() + ": flag must not be null");
        }
    }

    /** The kernel accepts up to 15 of [A-Za-z0-9_.] as a map name; anything else becomes '_'. */
    static String kernelName(String name) {
        StringBuilder sb = new StringBuilder(Bpf.OBJ_NAME_LEN - 1);
        for (int i = 0; i < name.length() && sb.length() < Bpf.OBJ_NAME_LEN - 1; i++) {
            char c = name.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }

    private static String pinName(Path path) {
        if (path == null || !path.isAbsolute() || path.getFileName() == null) {
            throw new IllegalArgumentException("pin path must be an absolute file path on a bpffs, got " + path);
        }
        return path.getFileName().toString();
    }

    private static String describe(MapSpec s) {
        return s.type() + "{key " + s.keySize() + " B, value " + s.valueSize() + " B, max " + s.maxEntries()
                + ", flags 0x" + Integer.toHexString(s.mapFlags()) + "}";
    }
}
