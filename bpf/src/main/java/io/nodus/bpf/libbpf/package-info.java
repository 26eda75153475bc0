/**
 * The jnr-ffi binding to libbpf and libc: loading BPF objects with pinned maps ({@link
 * io.nodus.bpf.libbpf.BpfObject}), raw map access ({@link io.nodus.bpf.libbpf.BpfMap}), BTF
 * reading, option-struct layouts and the single error type {@link
 * io.nodus.bpf.libbpf.BpfException}. Knows nothing of Nodus' map layouts.
 */
package io.nodus.bpf.libbpf;
