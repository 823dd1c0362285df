package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A clang-built object in the agent's jar while libbpf loads it: the open, prepare-maps and load steps that the tc
 * pair ({@link ProgramLoader}) and the socket load balancer ({@link SocketLb}) share. Each loader says how its maps
 * are prepared and what becomes of the loaded programs; a failing step throws with libbpf's own messages appended.
 *
 * @param arena the load's arena: what is allocated in it lives until the object is closed
 * @param object libbpf's {@code struct bpf_object}
 */
record BpfObject(String resource, Arena arena, MemorySegment object) {

    /** The object the Maven build compiled into this jar, or empty when clang was missing then. */
    static Optional<byte[]> bytes(String resource) {
        try (InputStream in = BpfObject.class.getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Opens {@code resource} (named after its file, {@code /bpf/tendril_sock.o} is {@code tendril_sock}), lets
     * {@code prepareMaps} reuse or pin its maps, loads it into the kernel and returns what {@code loaded} makes of
     * it; libbpf's object (not the pins nor the fds {@code loaded} opened) is closed after.
     */
    static <T> T load(String resource, Consumer<BpfObject> prepareMaps, Function<BpfObject, T> loaded) {
        byte[] elf = bytes(resource)
                .orElseThrow(() -> new KernelDatapathException(
                        "no " + resource + " in the agent's jar: clang was missing when it was built"));
        String name = Path.of(resource).getFileName().toString().replaceFirst("\\.o$", "");
        return LibbpfLog.capturing(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment capture = LibC.capture(arena);
                MemorySegment buf = arena.allocate(elf.length, 8);
                MemorySegment.copy(elf, 0, buf, JAVA_BYTE, 0, elf.length);
                MemorySegment opts = arena.allocate(LibBpf.OPEN_OPTS_SIZE, 8);
                opts.set(JAVA_LONG, 0, LibBpf.OPEN_OPTS_SIZE);
                opts.set(ADDRESS, 8, LibBpf.cString(arena, name));
                MemorySegment obj = LibBpf.openMem(capture, buf, elf.length, opts);
                if (obj.equals(MemorySegment.NULL)) {
                    throw failure("bpf_object__open_mem(" + name + ")", -LibC.errno(capture));
                }
                try {
                    BpfObject object = new BpfObject(resource, arena, obj);
                    prepareMaps.accept(object);
                    check("bpf_object__load(" + name + ")", LibBpf.load(obj));
                    return loaded.apply(object);
                } finally {
                    LibBpf.closeObject(obj);
                }
            }
        });
    }

    /** A C string of {@code s} in this load's arena. */
    MemorySegment cString(String s) {
        return LibBpf.cString(arena, s);
    }

    MemorySegment map(String name) {
        MemorySegment map = LibBpf.findMap(object, cString(name));
        if (map.equals(MemorySegment.NULL)) {
            throw new KernelDatapathException(resource + " has no map " + name);
        }
        return map;
    }

    MemorySegment program(String name) {
        MemorySegment program = LibBpf.findProgram(object, cString(name));
        if (program.equals(MemorySegment.NULL)) {
            throw new KernelDatapathException(resource + " has no program " + name);
        }
        return program;
    }

    void setMaxEntries(String map, int entries) {
        check("bpf_map__set_max_entries(" + map + ")", LibBpf.setMaxEntries(map(map), entries));
    }

    /** Has libbpf create map {@code name} (as declared, or as prepared so far) and pin it at {@code pin}. */
    void pinAt(String name, Path pin) {
        check("bpf_map__set_pin_path(" + name + ")", LibBpf.setPinPath(map(name), cString(pin.toString())));
    }

    /** Uses map {@code name} as pinned under {@code dir}, whatever its size; absent, has libbpf create and pin it. */
    void reuseOrPin(String name, Path dir) {
        Path pin = dir.resolve(name);
        if (!Files.exists(pin)) {
            pinAt(name, pin);
            return;
        }
        int fd = Pins.open(pin);
        try {
            check("bpf_map__reuse_fd(" + name + ")", LibBpf.reuseFd(map(name), fd));
        } finally {
            Pins.close(fd);
        }
    }

    static void check(String what, int result) {
        if (result < 0) {
            throw failure(what, result);
        }
    }

    /** A failed libbpf or bpf(2) step, with what libbpf said on this thread during the load. */
    static KernelDatapathException failure(String what, int result) {
        String log = LibbpfLog.captured();
        KernelDatapathException e = KernelDatapathException.failed(what, result);
        return log.isEmpty() ? e : new KernelDatapathException(e.getMessage() + "; libbpf said:\n" + log);
    }
}
