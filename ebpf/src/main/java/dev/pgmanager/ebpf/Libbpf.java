package dev.pgmanager.ebpf;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The system's libbpf ({@code libbpf.so.1}) through the Foreign Function and Memory API. libbpf 1.x reports failures
 * as a negative errno (int results) or NULL with errno set (pointer results); each failure becomes a
 * {@link NativeCallFailed} naming the call.
 */
final class Libbpf {
    static final String LIBRARY = "libbpf.so.1";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final VarHandle ERRNO = Linker.Option.captureStateLayout()
            .varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static volatile Libbpf loaded;

    private final SymbolLookup library;
    private final MethodHandle setPrint;
    private final MethodHandle objectOpenFile;
    private final MethodHandle objectLoad;
    private final MethodHandle objectClose;
    private final MethodHandle findProgram;
    private final MethodHandle findMap;
    private final MethodHandle mapFd;
    private final MethodHandle attachCgroup;
    private final MethodHandle linkPin;
    private final MethodHandle linkDestroy;
    private final MethodHandle mapPin;
    private final MethodHandle objGet;
    private final MethodHandle mapUpdate;
    private final MethodHandle mapLookup;
    private final MethodHandle mapDelete;
    private final MethodHandle mapNextKey;
    private final MethodHandle linkDetach;
    private final MethodHandle objInfo;
    private final MethodHandle progQuery;
    private final MethodHandle ringBufferNew;
    private final MethodHandle ringBufferConsume;
    private final MethodHandle ringBufferFree;

    private Libbpf(SymbolLookup library) {
        this.library = library;
        setPrint = function("libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS));
        objectOpenFile = function("bpf_object__open_file", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS), CAPTURE_ERRNO);
        objectLoad = function("bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        objectClose = function("bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
        findProgram = function("bpf_object__find_program_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        findMap = function("bpf_object__find_map_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        mapFd = function("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        attachCgroup = function("bpf_program__attach_cgroup", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
        linkPin = function("bpf_link__pin", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        linkDestroy = function("bpf_link__destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        mapPin = function("bpf_map__pin", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        objGet = function("bpf_obj_get", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        mapUpdate = function("bpf_map_update_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        mapLookup = function("bpf_map_lookup_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        mapDelete = function("bpf_map_delete_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        mapNextKey = function("bpf_map_get_next_key", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        linkDetach = function("bpf_link_detach", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        objInfo = function("bpf_obj_get_info_by_fd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        progQuery = function("bpf_prog_query",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        ringBufferNew = function("ring_buffer__new", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS),
                CAPTURE_ERRNO);
        ringBufferConsume = function("ring_buffer__consume", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        ringBufferFree = function("ring_buffer__free", FunctionDescriptor.ofVoid(ADDRESS));
    }

    /** The system's libbpf, loaded once, with its own logging to stderr off (failures come back as messages). */
    static Libbpf load() throws RewriterUnavailable {
        Libbpf result = loaded;
        if (result != null) {
            return result;
        }
        synchronized (Libbpf.class) {
            if (loaded == null) {
                SymbolLookup library;
                try {
                    library = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
                } catch (IllegalArgumentException e) {
                    throw new RewriterUnavailable(LIBRARY + " could not be loaded (Debian: apt-get install libbpf1): "
                            + e.getMessage());
                } catch (IllegalCallerException e) {
                    throw new RewriterUnavailable("native access is disabled: run java with --enable-native-access=ALL-UNNAMED");
                }
                Libbpf libbpf = new Libbpf(library);
                libbpf.silence();
                loaded = libbpf;
            }
            return loaded;
        }
    }

    private MethodHandle function(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(library.findOrThrow(name), descriptor, options);
    }

    private void silence() {
        try {
            MemorySegment ignored = (MemorySegment) setPrint.invokeExact(MemorySegment.NULL);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    MemorySegment openObject(String path, MemorySegment openOptions) throws NativeCallFailed {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment object = (MemorySegment) objectOpenFile.invokeExact(errno, arena.allocateFrom(path), openOptions);
            if (object.equals(MemorySegment.NULL)) {
                throw new NativeCallFailed("bpf_object__open_file", path, (int) ERRNO.get(errno, 0L));
            }
            return object;
        } catch (NativeCallFailed e) {
            throw e;
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    void loadObject(MemorySegment object) throws NativeCallFailed {
        int result;
        try {
            result = (int) objectLoad.invokeExact(object);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check(result, "bpf_object__load", "");
    }

    void closeObject(MemorySegment object) {
        try {
            objectClose.invokeExact(object);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    MemorySegment program(MemorySegment object, String name) {
        return named(findProgram, object, name, "program");
    }

    MemorySegment map(MemorySegment object, String name) {
        return named(findMap, object, name, "map");
    }

    private static MemorySegment named(MethodHandle finder, MemorySegment object, String name, String kind) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment found = (MemorySegment) finder.invokeExact(object, arena.allocateFrom(name));
            if (found.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("the BPF object has no " + kind + " named " + name);
            }
            return found;
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    int mapFd(MemorySegment map) {
        try {
            return (int) mapFd.invokeExact(map);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    MemorySegment attachCgroup(MemorySegment program, int cgroupFd, String what) throws NativeCallFailed {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment link = (MemorySegment) attachCgroup.invokeExact(errno, program, cgroupFd);
            if (link.equals(MemorySegment.NULL)) {
                throw new NativeCallFailed("bpf_program__attach_cgroup", what, (int) ERRNO.get(errno, 0L));
            }
            return link;
        } catch (NativeCallFailed e) {
            throw e;
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    void pinLink(MemorySegment link, String path) throws NativeCallFailed {
        check(withPath(linkPin, link, path), "bpf_link__pin", path);
    }

    void pinMap(MemorySegment map, String path) throws NativeCallFailed {
        check(withPath(mapPin, map, path), "bpf_map__pin", path);
    }

    private static int withPath(MethodHandle function, MemorySegment subject, String path) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) function.invokeExact(subject, arena.allocateFrom(path));
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Releases this process's handle on a link; a pinned link stays attached. */
    void destroyLink(MemorySegment link) {
        try {
            int ignored = (int) linkDestroy.invokeExact(link);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** A file descriptor for a pinned object. */
    int objGet(String path) throws NativeCallFailed {
        try (Arena arena = Arena.ofConfined()) {
            return check((int) objGet.invokeExact(arena.allocateFrom(path)), "bpf_obj_get", path);
        } catch (NativeCallFailed e) {
            throw e;
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    void mapUpdate(int mapFd, MemorySegment key, MemorySegment value) throws NativeCallFailed {
        int result;
        try {
            result = (int) mapUpdate.invokeExact(mapFd, key, value, 0L);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check(result, "bpf_map_update_elem", "");
    }

    /** False when the key is absent. */
    boolean mapLookup(int mapFd, MemorySegment key, MemorySegment value) throws NativeCallFailed {
        int result;
        try {
            result = (int) mapLookup.invokeExact(mapFd, key, value);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        return present(result, "bpf_map_lookup_elem");
    }

    /** False when the key was absent. */
    boolean mapDelete(int mapFd, MemorySegment key) throws NativeCallFailed {
        int result;
        try {
            result = (int) mapDelete.invokeExact(mapFd, key);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        return present(result, "bpf_map_delete_elem");
    }

    /** The key after {@code key} (the first when {@code key} is NULL) into {@code next}; false after the last. */
    boolean mapNextKey(int mapFd, MemorySegment key, MemorySegment next) throws NativeCallFailed {
        int result;
        try {
            result = (int) mapNextKey.invokeExact(mapFd, key, next);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        return present(result, "bpf_map_get_next_key");
    }

    /** Detaches a link from its cgroup for every holder at once (the pin, and any process holding it open). */
    void linkDetach(int linkFd) throws NativeCallFailed {
        int result;
        try {
            result = (int) linkDetach.invokeExact(linkFd);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        check(result, "bpf_link_detach", "");
    }

    void objectInfo(int fd, MemorySegment info) throws NativeCallFailed {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment length = arena.allocateFrom(JAVA_INT, (int) info.byteSize());
            check((int) objInfo.invokeExact(fd, info, length), "bpf_obj_get_info_by_fd", "");
        } catch (NativeCallFailed e) {
            throw e;
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** How many programs are attached to the cgroup behind {@code cgroupFd} for one attach type. */
    int attachedPrograms(int cgroupFd, int attachType) throws NativeCallFailed {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocateFrom(JAVA_INT, 0);
            int result = (int) progQuery.invokeExact(cgroupFd, attachType, 0, MemorySegment.NULL, MemorySegment.NULL, count);
            check(result, "bpf_prog_query", "");
            return count.get(JAVA_INT, 0);
        } catch (NativeCallFailed e) {
            throw e;
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    MemorySegment ringBufferNew(int mapFd, MemorySegment callback) throws NativeCallFailed {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment ring = (MemorySegment) ringBufferNew.invokeExact(errno, mapFd, callback, MemorySegment.NULL,
                    MemorySegment.NULL);
            if (ring.equals(MemorySegment.NULL)) {
                throw new NativeCallFailed("ring_buffer__new", "", (int) ERRNO.get(errno, 0L));
            }
            return ring;
        } catch (NativeCallFailed e) {
            throw e;
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Runs the callback for every event waiting, without blocking; returns how many. */
    int ringBufferConsume(MemorySegment ring) throws NativeCallFailed {
        int result;
        try {
            result = (int) ringBufferConsume.invokeExact(ring);
        } catch (Throwable e) {
            throw rethrow(e);
        }
        return check(result, "ring_buffer__consume", "");
    }

    void ringBufferFree(MemorySegment ring) {
        try {
            ringBufferFree.invokeExact(ring);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static int check(int result, String call, String subject) throws NativeCallFailed {
        if (result < 0) {
            throw new NativeCallFailed(call, subject, -result);
        }
        return result;
    }

    private static boolean present(int result, String call) throws NativeCallFailed {
        if (result == -Libc.ENOENT) {
            return false;
        }
        check(result, call, "");
        return true;
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException runtime) {
            return runtime;
        }
        if (e instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(e);
    }
}
