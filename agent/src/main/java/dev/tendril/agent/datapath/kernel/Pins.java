package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/** File descriptors of pinned BPF objects (maps and programs), through libbpf's bpf(2) wrappers. */
final class Pins {

    /** What BPF_OBJ_GET_INFO_BY_FD says of a map. */
    record MapInfo(int type, int id, int keySize, int valueSize, int maxEntries, int flags) {}

    private Pins() {}

    /** A new fd of the object pinned at {@code pin}. */
    static int open(Path pin) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = LibBpf.objGet(LibBpf.cString(arena, pin.toString()));
            if (fd < 0) {
                throw KernelDatapathException.failed("bpf_obj_get(" + pin + ")", fd);
            }
            return fd;
        }
    }

    static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            LibC.close(LibC.capture(arena), fd);
        }
    }

    static void unpin(Path pin) {
        try {
            Files.deleteIfExists(pin);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpin " + pin, e);
        }
    }

    static MapInfo mapInfo(Path pin) {
        int fd = open(pin);
        try {
            return mapInfo(fd, pin.toString());
        } finally {
            close(fd);
        }
    }

    static MapInfo mapInfo(int fd, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(LibBpf.MAP_INFO_SIZE, 8);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) LibBpf.MAP_INFO_SIZE);
            int r = LibBpf.objInfo(fd, info, len);
            if (r < 0) {
                throw KernelDatapathException.failed("bpf_obj_get_info_by_fd(" + what + ")", r);
            }
            return new MapInfo(
                    info.get(JAVA_INT, 0),
                    info.get(JAVA_INT, 4),
                    info.get(JAVA_INT, 8),
                    info.get(JAVA_INT, 12),
                    info.get(JAVA_INT, 16),
                    info.get(JAVA_INT, 20));
        }
    }

    /** The kernel's id of a map or program (both info structs start with type, id). */
    static int id(int fd) {
        return mapInfo(fd, "fd " + fd).id();
    }
}
