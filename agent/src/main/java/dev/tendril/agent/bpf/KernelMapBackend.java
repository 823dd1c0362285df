package dev.tendril.agent.bpf;

import dev.tendril.agent.state.MapBackend;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.MapSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
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
 */
public final class KernelMapBackend implements MapBackend {

    private final Path dir;
    private final Map<String, KernelBpfMap> open = new HashMap<>();

    public KernelMapBackend(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    @Override
    public synchronized BpfMap openOrCreate(MapSpec spec) {
        KernelBpfMap map = open.get(spec.name());
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
        map = KernelBpfMap.createOrOpenPinned(dir.resolve(spec.name()), spec);
        open.put(spec.name(), map);
        return map;
    }

    @Override
    public synchronized Optional<BpfMap> open(String name) {
        KernelBpfMap map = open.get(name);
        if (map != null) {
            return Optional.of(map);
        }
        Path pin = dir.resolve(name);
        if (!Files.exists(pin)) {
            return Optional.empty();
        }
        map = KernelBpfMap.openPinned(pin);
        open.put(name, map);
        return Optional.of(map);
    }

    @Override
    public synchronized boolean delete(String name) {
        KernelBpfMap map = open.remove(name);
        if (map != null) {
            map.close();
        }
        try {
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
                pins.forEach(p -> out.add(p.getFileName().toString()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir, e);
            }
        }
        return out;
    }

    @Override
    public String describe() {
        return "bpf:" + dir;
    }

    @Override
    public synchronized void close() {
        open.values().forEach(KernelBpfMap::close);
        open.clear();
    }
}
