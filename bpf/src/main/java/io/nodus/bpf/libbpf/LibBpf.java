package io.nodus.bpf.libbpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;

/**
 * The part of libbpf 1.x ({@code libbpf.so.1}) that Nodus calls, bound with jnr-ffi.
 *
 * <p>Conventions (libbpf 1.0 mode): functions returning {@code int} return {@code -errno} on
 * failure; functions returning a pointer return NULL and set errno, hence {@link SaveError}.
 * Option structs are raw memory laid out by {@link OptionStructs}. Keys and values travel as
 * {@code byte[]} copied in and out by jnr. Thread-safe as libbpf itself: map and object calls may
 * come from any thread; tc calls act on the calling thread's network namespace.
 */
public interface LibBpf {

    /** {@code libbpf_print_fn_t}: on x86_64 a {@code va_list} parameter arrives as a pointer. */
    interface PrintCallback {
        @Delegate
        int print(int level, Pointer format, Pointer args);
    }

    /** {@code ring_buffer_sample_fn}. */
    interface SampleCallback {
        @Delegate
        int sample(Pointer ctx, Pointer data, @size_t long size);
    }

    Pointer libbpf_set_print(PrintCallback callback);

    int libbpf_strerror(int err, @Out byte[] buf, @size_t long size);

    int libbpf_num_possible_cpus();

    // ---- objects and programs

    @SaveError
    Pointer bpf_object__open_file(String path, Pointer opts);

    int bpf_object__load(Pointer object);

    void bpf_object__close(Pointer object);

    Pointer bpf_object__next_program(Pointer object, Pointer previous);

    String bpf_program__name(Pointer program);

    int bpf_program__fd(Pointer program);

    Pointer bpf_object__next_map(Pointer object, Pointer previous);

    String bpf_map__name(Pointer map);

    int bpf_map__fd(Pointer map);

    int bpf_map__type(Pointer map);

    int bpf_map__key_size(Pointer map);

    int bpf_map__value_size(Pointer map);

    int bpf_map__max_entries(Pointer map);

    int bpf_map__set_max_entries(Pointer map, int maxEntries);

    int bpf_map__map_flags(Pointer map);

    /** The inner-map template of a map-in-map, or NULL. */
    Pointer bpf_map__inner_map(Pointer map);

    /** Where the map is (or will be) pinned, or NULL when it is not pinned. */
    String bpf_map__pin_path(Pointer map);

    // ---- maps

    int bpf_map_create(int mapType, String name, int keySize, int valueSize, int maxEntries, Pointer opts);

    int bpf_map_lookup_elem(int fd, @In byte[] key, @Out byte[] value);

    int bpf_map_update_elem(int fd, @In byte[] key, @In byte[] value, long flags);

    int bpf_map_delete_elem(int fd, @In byte[] key);

    /** A null {@code key} asks for the first key. */
    int bpf_map_get_next_key(int fd, @In byte[] key, @Out byte[] nextKey);

    int bpf_map_update_batch(int fd, @In byte[] keys, @In byte[] values, int[] count, Pointer opts);

    int bpf_map_delete_batch(int fd, @In byte[] keys, int[] count, Pointer opts);

    /** A null {@code inBatch} starts from the beginning; -ENOENT ends the walk (count may be > 0). */
    int bpf_map_lookup_batch(int fd, @In byte[] inBatch, @Out byte[] outBatch, @Out byte[] keys,
            @Out byte[] values, int[] count, Pointer opts);

    int bpf_map_get_fd_by_id(int id);

    int bpf_obj_pin(int fd, String path);

    int bpf_obj_get(String path);

    int bpf_obj_get_info_by_fd(int fd, byte[] info, int[] infoLength);

    // ---- tc (netlink, in the calling thread's network namespace)

    int bpf_tc_hook_create(Pointer hook);

    int bpf_tc_attach(Pointer hook, Pointer opts);

    int bpf_tc_detach(Pointer hook, Pointer opts);

    int bpf_tc_query(Pointer hook, Pointer opts);

    // ---- ring buffer

    @SaveError
    Pointer ring_buffer__new(int mapFd, SampleCallback callback, Pointer ctx, Pointer opts);

    int ring_buffer__poll(Pointer ringBuffer, int timeoutMs);

    void ring_buffer__free(Pointer ringBuffer);

    // ---- BTF

    @SaveError
    Pointer btf__parse(String path, Pointer btfExt);

    int btf__find_by_name_kind(Pointer btf, String name, int kind);

    Pointer btf__type_by_id(Pointer btf, int id);

    void btf__free(Pointer btf);
}
