package dev.tendril.agent.datapath.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tendril.agent.bpf.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * The libbpf 1.x functions (Debian's libbpf1, {@code libbpf.so.1}) the kernel datapath needs, bound with
 * the FFM API. A binding, one method per C function with the C name in its comment: integer functions
 * return libbpf's result (0 or a positive fd/count, {@code -errno} on failure); pointer functions
 * return {@link MemorySegment#NULL} on failure and leave the errno in the caller's capture segment
 * ({@link LibC#errno(MemorySegment)}).
 *
 * <p>Struct layouts (libbpf 1.1 on x86_64, checked with offsetof against /usr/include/bpf/libbpf.h):
 * {@code bpf_object_open_opts} 80 B (sz 0, object_name 8); {@code bpf_tc_hook} 24 B (sz 0, ifindex 8,
 * attach_point 12, parent 16); {@code bpf_tc_opts} 32 B (sz 0, prog_fd 8, flags 12, prog_id 16,
 * handle 20, priority 24); {@code bpf_map_info} 88 B (type 0, id 4, key_size 8, value_size 12,
 * max_entries 16, map_flags 20, name 24).
 */
final class LibBpf {
    static final String LIBRARY = "libbpf.so.1";

    static final long OPEN_OPTS_SIZE = 80;
    static final long TC_HOOK_SIZE = 24;
    static final long TC_OPTS_SIZE = 32;
    static final long MAP_INFO_SIZE = 88;
    static final int BPF_TC_INGRESS = 1;
    static final int BPF_TC_EGRESS = 2;
    /** enum bpf_attach_type: tcx (kernel 6.6+), the tc hooks driven by BPF links instead of cls_bpf filters. */
    static final int BPF_TCX_INGRESS = 46;

    static final int BPF_TCX_EGRESS = 47;
    /** bpf_link_info: type 0, id 4, prog_id 8; for tcx the union at 16 holds ifindex, attach_type. */
    static final long LINK_INFO_SIZE = 64;

    static final int ENODEV = 19;
    static final int BPF_TC_F_REPLACE = 1;
    static final int BPF_ANY = 0;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EEXIST = 17;
    static final int EINVAL = 22;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    /** Why libbpf cannot be used from this JVM, or null when it can; set while the handles below bind. */
    private static String problem = platformProblem();

    private static final SymbolLookup LIB = library();

    private static final MethodHandle OPEN_MEM =
            bind("bpf_object__open_mem", of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), ERRNO);
    private static final MethodHandle FIND_MAP = bind("bpf_object__find_map_by_name", of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FIND_PROGRAM =
            bind("bpf_object__find_program_by_name", of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle MAP_SET_PIN_PATH = bind("bpf_map__set_pin_path", of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle MAP_SET_MAX_ENTRIES =
            bind("bpf_map__set_max_entries", of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MAP_SET_INITIAL_VALUE =
            bind("bpf_map__set_initial_value", of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle MAP_REUSE_FD = bind("bpf_map__reuse_fd", of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MAP_TYPE = bind("bpf_map__type", of(JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_KEY_SIZE = bind("bpf_map__key_size", of(JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_VALUE_SIZE = bind("bpf_map__value_size", of(JAVA_INT, ADDRESS));
    private static final MethodHandle OBJECT_LOAD = bind("bpf_object__load", of(JAVA_INT, ADDRESS));
    private static final MethodHandle OBJECT_CLOSE = bind("bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle PROGRAM_FD = bind("bpf_program__fd", of(JAVA_INT, ADDRESS));
    private static final MethodHandle OBJ_GET = bind("bpf_obj_get", of(JAVA_INT, ADDRESS));
    private static final MethodHandle OBJ_PIN = bind("bpf_obj_pin", of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle OBJ_GET_INFO =
            bind("bpf_obj_get_info_by_fd", of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle MAP_UPDATE =
            bind("bpf_map_update_elem", of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle MAP_LOOKUP =
            bind("bpf_map_lookup_elem", of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle MAP_DELETE = bind("bpf_map_delete_elem", of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_NEXT_KEY =
            bind("bpf_map_get_next_key", of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle TC_HOOK_CREATE = bind("bpf_tc_hook_create", of(JAVA_INT, ADDRESS));
    private static final MethodHandle TC_ATTACH = bind("bpf_tc_attach", of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle TC_DETACH = bind("bpf_tc_detach", of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle TC_QUERY = bind("bpf_tc_query", of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RING_BUFFER_NEW =
            bind("ring_buffer__new", of(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS), ERRNO);
    private static final MethodHandle RING_BUFFER_POLL = bind("ring_buffer__poll", of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RING_BUFFER_CONSUME = bind("ring_buffer__consume", of(JAVA_INT, ADDRESS));
    private static final MethodHandle RING_BUFFER_FREE = bind("ring_buffer__free", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle SET_PRINT = bind("libbpf_set_print", of(ADDRESS, ADDRESS));
    private static final MethodHandle ATTACH_CGROUP =
            bind("bpf_program__attach_cgroup", of(ADDRESS, ADDRESS, JAVA_INT), ERRNO);
    private static final MethodHandle LINK_PIN = bind("bpf_link__pin", of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle LINK_DESTROY = bind("bpf_link__destroy", of(JAVA_INT, ADDRESS));
    private static final MethodHandle LINK_UPDATE = bind("bpf_link_update", of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle LINK_CREATE =
            bind("bpf_link_create", of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle LINK_DETACH = bind("bpf_link_detach", of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PROG_QUERY =
            bind("bpf_prog_query", of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));

    private LibBpf() {}

    private static String platformProblem() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "the kernel datapath runs on Linux only, this is " + os;
        }
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return "the kernel datapath is wired for x86_64 (struct layouts, CLONE_NEWNET), this is " + arch;
        }
        return null;
    }

    private static SymbolLookup library() {
        if (problem != null) {
            return null;
        }
        try {
            return SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        } catch (IllegalArgumentException | IllegalCallerException e) {
            problem = "cannot load " + LIBRARY + " (Debian: apt-get install libbpf1): " + e.getMessage();
            return null;
        }
    }

    private static FunctionDescriptor of(MemoryLayout result, MemoryLayout... args) {
        return FunctionDescriptor.of(result, args);
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        if (LIB == null) {
            return null;
        }
        var symbol = LIB.find(name);
        if (symbol.isEmpty()) {
            problem = LIBRARY + " has no " + name + " (libbpf older than 1.0?)";
            return null;
        }
        return LINKER.downcallHandle(symbol.get(), fd, options);
    }

    /** Why libbpf cannot be called here (platform, missing library), or empty when it can. */
    static Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    static void require() {
        if (problem != null) {
            throw new KernelDatapathException(problem);
        }
    }

    static MemorySegment cString(Arena arena, String s) {
        return arena.allocateFrom(s, StandardCharsets.UTF_8);
    }

    // ---- bpf_object

    /** bpf_object__open_mem(buf, size, opts): the object, or NULL with errno in capture. */
    static MemorySegment openMem(MemorySegment capture, MemorySegment buf, long size, MemorySegment opts) {
        return (MemorySegment) invoke(OPEN_MEM, capture, buf, size, opts);
    }

    /** bpf_object__find_map_by_name(obj, name): the map, or NULL. */
    static MemorySegment findMap(MemorySegment obj, MemorySegment name) {
        return (MemorySegment) invoke(FIND_MAP, obj, name);
    }

    /** bpf_object__find_program_by_name(obj, name): the program, or NULL. */
    static MemorySegment findProgram(MemorySegment obj, MemorySegment name) {
        return (MemorySegment) invoke(FIND_PROGRAM, obj, name);
    }

    /** bpf_map__set_pin_path(map, path). */
    static int setPinPath(MemorySegment map, MemorySegment path) {
        return (int) invoke(MAP_SET_PIN_PATH, map, path);
    }

    /** bpf_map__set_max_entries(map, n). */
    static int setMaxEntries(MemorySegment map, int maxEntries) {
        return (int) invoke(MAP_SET_MAX_ENTRIES, map, maxEntries);
    }

    /** bpf_map__set_initial_value(map, data, size). */
    static int setInitialValue(MemorySegment map, MemorySegment data, long size) {
        return (int) invoke(MAP_SET_INITIAL_VALUE, map, data, size);
    }

    /** bpf_map__reuse_fd(map, fd): the object uses the existing map behind fd (libbpf keeps a dup). */
    static int reuseFd(MemorySegment map, int fd) {
        return (int) invoke(MAP_REUSE_FD, map, fd);
    }

    /** bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map): the shape the object declares. */
    static int[] declaredShape(MemorySegment map) {
        return new int[] {
            (int) invoke(MAP_TYPE, map), (int) invoke(MAP_KEY_SIZE, map), (int) invoke(MAP_VALUE_SIZE, map)
        };
    }

    /** bpf_object__load(obj). */
    static int load(MemorySegment obj) {
        return (int) invoke(OBJECT_LOAD, obj);
    }

    /** bpf_object__close(obj). */
    static void closeObject(MemorySegment obj) {
        invoke(OBJECT_CLOSE, obj);
    }

    /** bpf_program__fd(prog). */
    static int programFd(MemorySegment program) {
        return (int) invoke(PROGRAM_FD, program);
    }

    // ---- bpf(2) wrappers

    /** bpf_obj_get(path): a new fd or -errno. */
    static int objGet(MemorySegment path) {
        return (int) invoke(OBJ_GET, path);
    }

    /** bpf_obj_pin(fd, path). */
    static int objPin(int fd, MemorySegment path) {
        return (int) invoke(OBJ_PIN, fd, path);
    }

    /** bpf_obj_get_info_by_fd(fd, info, &len). */
    static int objInfo(int fd, MemorySegment info, MemorySegment len) {
        return (int) invoke(OBJ_GET_INFO, fd, info, len);
    }

    /** bpf_map_update_elem(fd, key, value, flags). */
    static int mapUpdate(int fd, MemorySegment key, MemorySegment value, long flags) {
        return (int) invoke(MAP_UPDATE, fd, key, value, flags);
    }

    /** bpf_map_lookup_elem(fd, key, value). */
    static int mapLookup(int fd, MemorySegment key, MemorySegment value) {
        return (int) invoke(MAP_LOOKUP, fd, key, value);
    }

    /** bpf_map_delete_elem(fd, key). */
    static int mapDelete(int fd, MemorySegment key) {
        return (int) invoke(MAP_DELETE, fd, key);
    }

    /** bpf_map_get_next_key(fd, key or NULL, next). */
    static int mapNextKey(int fd, MemorySegment key, MemorySegment next) {
        return (int) invoke(MAP_NEXT_KEY, fd, key, next);
    }

    // ---- tc

    /** bpf_tc_hook_create(hook): adds the clsact qdisc; -EEXIST when it is there. */
    static int tcHookCreate(MemorySegment hook) {
        return (int) invoke(TC_HOOK_CREATE, hook);
    }

    /** bpf_tc_attach(hook, opts). */
    static int tcAttach(MemorySegment hook, MemorySegment opts) {
        return (int) invoke(TC_ATTACH, hook, opts);
    }

    /** bpf_tc_detach(hook, opts). */
    static int tcDetach(MemorySegment hook, MemorySegment opts) {
        return (int) invoke(TC_DETACH, hook, opts);
    }

    /** bpf_tc_query(hook, opts): fills prog_id of the filter at opts' handle and priority. */
    static int tcQuery(MemorySegment hook, MemorySegment opts) {
        return (int) invoke(TC_QUERY, hook, opts);
    }

    // ---- cgroup links

    /** bpf_program__attach_cgroup(prog, cgroup_fd): a link (BPF_LINK_CREATE), or NULL with errno in capture. */
    static MemorySegment attachCgroup(MemorySegment capture, MemorySegment program, int cgroupFd) {
        return (MemorySegment) invoke(ATTACH_CGROUP, capture, program, cgroupFd);
    }

    /** bpf_link__pin(link, path). */
    static int linkPin(MemorySegment link, MemorySegment path) {
        return (int) invoke(LINK_PIN, link, path);
    }

    /** bpf_link__destroy(link): frees libbpf's object and closes its fd. */
    static int linkDestroy(MemorySegment link) {
        return (int) invoke(LINK_DESTROY, link);
    }

    /** bpf_link_update(link_fd, new_prog_fd, NULL): the link runs the new program from now on. */
    static int linkUpdate(int linkFd, int programFd) {
        return (int) invoke(LINK_UPDATE, linkFd, programFd, MemorySegment.NULL);
    }

    /**
     * bpf_link_create(prog_fd, target, attach_type, NULL): a link fd or -errno. For the tcx attach types the
     * target is an ifindex of the calling thread's network namespace (the kernel reads it where libbpf 1.1
     * writes target_fd: the two share a union).
     */
    static int linkCreate(int programFd, int target, int attachType) {
        return (int) invoke(LINK_CREATE, programFd, target, attachType, MemorySegment.NULL);
    }

    /** bpf_link_detach(link_fd): the link's program leaves its hook now; the link stays, defunct. */
    static int linkDetach(int linkFd) {
        return (int) invoke(LINK_DETACH, linkFd);
    }

    /** bpf_prog_query(target_fd, type, flags, &attach_flags, prog_ids, &prog_cnt). */
    static int progQuery(
            int targetFd, int attachType, MemorySegment attachFlags, MemorySegment ids, MemorySegment count) {
        return (int) invoke(PROG_QUERY, targetFd, attachType, 0, attachFlags, ids, count);
    }

    // ---- ring buffer

    /** ring_buffer__new(fd, callback, ctx, opts): the ring buffer, or NULL with errno in capture. */
    static MemorySegment ringBufferNew(MemorySegment capture, int fd, MemorySegment callback) {
        return (MemorySegment) invoke(RING_BUFFER_NEW, capture, fd, callback, MemorySegment.NULL, MemorySegment.NULL);
    }

    /** ring_buffer__poll(rb, timeout_ms): records consumed, or -errno (-EINTR when interrupted). */
    static int ringBufferPoll(MemorySegment rb, int timeoutMs) {
        return (int) invoke(RING_BUFFER_POLL, rb, timeoutMs);
    }

    /** ring_buffer__consume(rb): every record available now, without waiting; records consumed or -errno. */
    static int ringBufferConsume(MemorySegment rb) {
        return (int) invoke(RING_BUFFER_CONSUME, rb);
    }

    /** ring_buffer__free(rb). */
    static void ringBufferFree(MemorySegment rb) {
        invoke(RING_BUFFER_FREE, rb);
    }

    /** libbpf_set_print(fn): the previous function. */
    static MemorySegment setPrint(MemorySegment fn) {
        return (MemorySegment) invoke(SET_PRINT, fn);
    }

    private static Object invoke(MethodHandle handle, Object... args) {
        require();
        try {
            return handle.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** x86_64 errno names for messages. */
    static String errnoName(int errno) {
        return Errno.name(errno);
    }
}
