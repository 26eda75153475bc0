/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* BTF-defined maps of the datapath, pinned by name. Included once, by nodus_datapath.c. */
#ifndef NODUS_MAP_DEFS_H
#define NODUS_MAP_DEFS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "nodus_maps.h"

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(map_flags, BPF_F_NO_PREALLOC); /* required by LPM tries */
    __uint(max_entries, NODUS_IPCACHE_MAX);
    __type(key, struct ipcache_key);
    __type(value, struct ipcache_value);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nodus_ipcache SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, NODUS_ENDPOINTS_MAX);
    __type(key, struct endpoint_key);
    __type(value, struct endpoint_info);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nodus_endpoints SEC(".maps");

/*
 * Template of the per-endpoint policy maps. The agent creates the real inner maps with
 * the same type, key and value sizes and flags (the kernel compares them on insertion;
 * for an LPM trie it does not compare max_entries, so each endpoint's capacity is the
 * agent's choice). Sizes rather than __type: clang 14 emits only forward declarations
 * for types nested this deep in a map definition, and libbpf cannot size those.
 */
struct policy_inner {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, NODUS_POLICY_INNER_MAX);
    __uint(key_size, sizeof(struct policy_key));
    __uint(value_size, sizeof(struct policy_value));
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
    __uint(max_entries, NODUS_POLICY_MAX);
    __type(key, __u32); /* endpoint_id */
    __uint(pinning, LIBBPF_PIN_BY_NAME);
    __array(values, struct policy_inner);
} nodus_policy SEC(".maps");

/* Preallocated: no allocation on the packet path, and a full table fails loudly. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, NODUS_CT_MAX);
    __type(key, struct ct_key);
    __type(value, struct ct_value);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nodus_ct SEC(".maps");

/* Best effort: a datagram whose first fragment was evicted is dropped and counted. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, NODUS_FRAGS_MAX);
    __type(key, struct frag_key);
    __type(value, struct frag_value);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nodus_frags SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct datapath_config);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nodus_config SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, NODUS_EVENTS_BYTES);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nodus_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, NODUS_METRICS_MAX);
    __type(key, __u32);
    __type(value, struct metrics_value);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nodus_metrics SEC(".maps");

/* Written and read by the agent only (see struct log_position). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct log_position);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nodus_log_pos SEC(".maps");

#endif /* NODUS_MAP_DEFS_H */
