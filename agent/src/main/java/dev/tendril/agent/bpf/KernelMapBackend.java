package dev.tendril.agent.bpf;

import dev.tendril.agent.state.MapBackend;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.MapSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A node's maps as bpf(2) maps pinned in one bpffs directory ({@code <bpffs-dir>/<node>/<map name>}):
 * they outlive the agent, so a restarted agent opens them with their content and diffs. Deleting a map
 * closes our descriptor and removes the pin; the kernel frees the map once no program holds it.
 * Open descriptors are cached per name.
 *
 * <p>The ipcache ({@value NodeMapsReconciler#IPCACHE_MAP}) opens as a {@link KernelIpcache}: Cilium's trie
 * with Tendril's host-entry hash ({@value KernelIpcache#HOSTS}) pinned beside it and written with it. The
 * hash is part of the ipcache here: {@link #names} leaves it out and deleting the ipcache deletes it too.
 */
public final class KernelMapBackend implements MapBackend {

    private final Path dir;
    private final Map<String, BpfMap> open = new HashMap<>();
    /** Pins in the directory that are not maps this backend opens (see {@link #names}). */
    private final Set<String> foreign = new HashSet<>();

    public KernelMapBackend(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    @Override
    public synchronized BpfMap openOrCreate(MapSpec spec) {
        BpfMap map = open.get(spec.name());
        if (map != null) {
            MapSpec found = map.spec();
            if (found.type() != spec.type()
                    || found.keySize() != spec.keySize()
                    || found.valueSize() != spec.valueSize()
                    || found.maxEntries() != spec.maxEntries()) {
                throw new IllegalStateException(spec.name() + " is open as " + found + ", expected " + spec);
            }
            return map;
        }
        map = spec.name().equals(NodeMapsReconciler.IPCACHE_MAP)
                ? KernelIpcache.open(dir, spec)
                : KernelBpfMap.createOrOpenPinned(dir.resolve(spec.name()), spec);
        open.put(spec.name(), map);
        return map;
    }

    @Override
    public synchronized Optional<BpfMap> open(String name) {
        BpfMap map = open.get(name);
        if (map != null) {
            return Optional.of(map);
        }
        Path pin = dir.resolve(name);
        if (!Files.exists(pin)) {
            return Optional.empty();
        }
        if (name.equals(NodeMapsReconciler.IPCACHE_MAP)) {
            MapSpec found;
            try (KernelBpfMap pinned = KernelBpfMap.openPinned(pin)) {
                found = pinned.spec();
            }
            map = KernelIpcache.open(dir, found);
        } else {
            map = KernelBpfMap.openPinned(pin);
        }
        open.put(name, map);
        return Optional.of(map);
    }

    @Override
    public synchronized boolean delete(String name) {
        BpfMap map = open.remove(name);
        if (map != null) {
            close(map);
        }
        try {
            if (name.equals(NodeMapsReconciler.IPCACHE_MAP)) {
                Files.deleteIfExists(dir.resolve(KernelIpcache.HOSTS));
            }
            return Files.deleteIfExists(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpin " + dir.resolve(name), e);
        }
    }

    @Override
    public synchronized Set<String> names() {
        Set<String> out = new TreeSet<>(open.keySet());
        if (Files.isDirectory(dir)) {
            try (Stream<Path> pins = Files.list(dir)) {
                pins.map(p -> p.getFileName().toString())
                        .filter(n -> !n.equals(KernelIpcache.HOSTS) && !out.contains(n) && !foreign.contains(n))
                        .filter(this::isTendrilMap)
                        .forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir, e);
            }
        }
        return out;
    }

    /**
     * Whether the pin is a map this backend can open. The same directory holds the kernel datapath's ring
     * buffer, its program pins and the socket-LB links: those are remembered and never listed as maps.
     */
    private boolean isTendrilMap(String name) {
        try {
            return open(name).isPresent();
        } catch (UnsupportedPinException e) {
            foreign.add(name);
            return false;
        }
    }

    @Override
    public String describe() {
        return "bpf:" + dir;
    }

    @Override
    public synchronized void close() {
        open.values().forEach(KernelMapBackend::close);
        open.clear();
    }

    private static void close(BpfMap map) {
        if (map instanceof KernelIpcache ipcache) {
            ipcache.close();
        } else {
            ((KernelBpfMap) map).close();
        }
    }
}
