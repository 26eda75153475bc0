/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Connection tracking over nodus_ct: lookup in both directions, refresh, create, expiry. */
#ifndef NODUS_CT_H
#define NODUS_CT_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

#include "nodus_map_defs.h"
#include "nodus_parse.h"

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

#define NSEC_PER_SEC 1000000000ULL

static __always_inline __u64 lifetime_or(__u32 configured_s, __u32 default_s)
{
    return (__u64)(configured_s ? configured_s : default_s) * NSEC_PER_SEC;
}

static __always_inline __u64 ct_lifetime(const struct datapath_config *cfg, __u8 proto,
                                         __u32 flags)
{
    if (proto != IPPROTO_TCP)
        return lifetime_or(cfg ? cfg->ct_other_lifetime_s : 0, CT_LIFETIME_OTHER_S);
    if (flags & (CT_F_TCP_FIN | CT_F_TCP_RST))
        return lifetime_or(cfg ? cfg->ct_close_lifetime_s : 0, CT_LIFETIME_CLOSE_S);
    /* Until the peer answers, a TCP entry is a SYN and must not hold a slot for hours. */
    if (!(flags & CT_F_SEEN_REPLY))
        return lifetime_or(cfg ? cfg->ct_syn_lifetime_s : 0, CT_LIFETIME_SYN_S);
    return lifetime_or(cfg ? cfg->ct_tcp_lifetime_s : 0, CT_LIFETIME_TCP_S);
}

static __always_inline __u32 ct_flags_of(const struct flow *f)
{
    __u32 flags = 0;

    if (f->proto == IPPROTO_TCP) {
        if (f->tcp_flags & TCP_FLAG_FIN)
            flags |= CT_F_TCP_FIN;
        if (f->tcp_flags & TCP_FLAG_RST)
            flags |= CT_F_TCP_RST;
    }
    return flags;
}

/* Refreshes a live entry; returns 0 when the entry is missing or expired. */
static __always_inline int ct_touch(struct ct_value *v, const struct flow *f, __u32 len,
                                    __u64 now, int reply, const struct datapath_config *cfg)
{
    __u32 flags, wanted;
    __u64 deadline;

    if (!v || v->expires_ns < now)
        return 0;
    flags = v->flags;
    /* A fresh SYN on a closing tuple reopens it (port reuse within the closing window). */
    if (f->proto == IPPROTO_TCP && (f->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN)
        flags &= ~(CT_F_TCP_FIN | CT_F_TCP_RST | CT_F_SEEN_REPLY);
    wanted = flags | ct_flags_of(f) | (reply ? CT_F_SEEN_REPLY : 0);
    deadline = now + ct_lifetime(cfg, f->proto, wanted);
    /*
     * Write only what changed, and the deadline at most once a second: the value's cache
     * line is shared by every CPU carrying the flow. Racing CPUs may interleave these
     * plain stores; the outcome is still a live entry, and the counters are approximate.
     */
    if (wanted != v->flags) {
        /* A state change may shorten the lifetime (FIN, RST) or lengthen it (first reply). */
        v->flags = wanted;
        v->expires_ns = deadline;
    } else if (deadline > v->expires_ns + NSEC_PER_SEC) {
        v->expires_ns = deadline;
    }
    v->packets += 1;
    v->bytes += len;
    return 1;
}

/*
 * The CT state of a packet: CT_ESTABLISHED (its own direction is tracked), CT_REPLY (the
 * reverse direction is), or CT_NEW.
 */
static __always_inline int ct_lookup(const struct flow *f, __u8 ct_dir, __u32 len, __u64 now,
                                     const struct datapath_config *cfg)
{
    struct ct_key key = {
        .saddr = f->saddr, .daddr = f->daddr, .sport = f->sport, .dport = f->dport,
        .proto = f->proto, .dir = ct_dir,
    };

    if (ct_touch(bpf_map_lookup_elem(&nodus_ct, &key), f, len, now, 0, cfg))
        return CT_ESTABLISHED;
    key.saddr = f->daddr;
    key.daddr = f->saddr;
    key.sport = f->dport;
    key.dport = f->sport;
    key.dir = ct_dir == CT_EGRESS ? CT_INGRESS : CT_EGRESS;
    if (ct_touch(bpf_map_lookup_elem(&nodus_ct, &key), f, len, now, 1, cfg))
        return CT_REPLY;
    return CT_NEW;
}

/*
 * An ICMP error in direction ct_dir is about a packet that went the other way: the quoted
 * tuple was tracked by this endpoint's program in the opposite direction.
 */
static __always_inline int ct_lookup_related(const struct flow *f, __u8 ct_dir, __u64 now)
{
    struct ct_key key = {
        .saddr = f->quoted_saddr, .daddr = f->quoted_daddr, .sport = f->quoted_sport,
        .dport = f->quoted_dport, .proto = f->quoted_proto,
        .dir = ct_dir == CT_EGRESS ? CT_INGRESS : CT_EGRESS,
    };
    struct ct_value *v;

    if (!f->icmp_error)
        return 0;
    v = bpf_map_lookup_elem(&nodus_ct, &key);
    return v && v->expires_ns >= now;
}

/* Returns 0, or a negative errno when the entry cannot be stored (the map is full). */
static __always_inline int ct_create(const struct flow *f, __u8 ct_dir, __u32 len, __u64 now,
                                     const struct datapath_config *cfg)
{
    struct ct_key key = {
        .saddr = f->saddr, .daddr = f->daddr, .sport = f->sport, .dport = f->dport,
        .proto = f->proto, .dir = ct_dir,
    };
    struct ct_value val = { .packets = 1, .bytes = len, .flags = ct_flags_of(f) };

    val.expires_ns = now + ct_lifetime(cfg, f->proto, val.flags);
    /* BPF_ANY: an expired entry for the same tuple is simply replaced. */
    return bpf_map_update_elem(&nodus_ct, &key, &val, BPF_ANY);
}

#endif /* NODUS_CT_H */
