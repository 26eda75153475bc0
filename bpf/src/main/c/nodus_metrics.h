/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-CPU counters and datapath events (drops, policy verdicts, traces) on the ring buffer. */
#ifndef NODUS_METRICS_H
#define NODUS_METRICS_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "nodus_map_defs.h"
#include "nodus_parse.h"
#include "nodus_policy.h"

static __always_inline void metrics_add(__u8 reason, __u8 dir, __u32 len)
{
    __u32 key = ((__u32)reason << 1) | (dir & 1);
    struct metrics_value *v = bpf_map_lookup_elem(&nodus_metrics, &key);

    /* Per-CPU slots of a preallocated array: plain increments, never a failed insert. */
    if (v) {
        v->packets += 1;
        v->bytes += len;
    }
}

/* What an event says about one packet, besides the packet itself. */
struct event_info {
    __u8 type;     /* EVENT_* */
    __u8 reason;   /* drop reason, or trace observation point */
    __u8 ct_state; /* CT_* */
    __u32 remote_id;
    const struct policy_match *match; /* may be NULL */
};

/* Emits one event; a full ring buffer is counted as a lost event, never ignored. */
static __always_inline void emit(struct __sk_buff *skb, const struct endpoint_info *ep, __u8 dir,
                                 const struct flow *f, const struct event_info *info)
{
    struct nodus_event *e = bpf_ringbuf_reserve(&nodus_events, sizeof(*e), 0);

    if (!e) {
        metrics_add(REASON_EVENT_LOST, dir, skb->len);
        return;
    }
    e->type = info->type;
    e->reason = info->reason;
    e->direction = dir;
    e->proto = f->proto;
    e->endpoint_id = ep->endpoint_id;
    e->src_identity = dir == DIR_EGRESS ? ep->identity : info->remote_id;
    e->dst_identity = dir == DIR_EGRESS ? info->remote_id : ep->identity;
    e->saddr = f->saddr;
    e->daddr = f->daddr;
    e->sport = f->sport;
    e->dport = f->proto == IPPROTO_ICMP && !f->dport ? f->policy_port : f->dport;
    e->ifindex = skb->ifindex;
    e->ktime_ns = bpf_ktime_get_ns();
    e->len = skb->len;
    e->ct_state = info->ct_state;
    e->pad = 0;
    if (info->match && info->match->prefixlen) {
        e->match_type = info->match->type;
        e->match_prefixlen = info->match->prefixlen;
        e->match_identity = info->match->identity;
        e->match_port = info->match->port;
        e->match_end_port = info->match->end_port;
    } else {
        e->match_type = MATCH_NONE;
        e->match_prefixlen = 0;
        e->match_identity = 0;
        e->match_port = 0;
        e->match_end_port = 0;
    }
    bpf_ringbuf_submit(e, 0);
}

static __always_inline int drop(struct __sk_buff *skb, const struct endpoint_info *ep, __u8 dir,
                                __u8 reason, const struct flow *f, __u32 remote_id,
                                const struct policy_match *match)
{
    struct event_info info = {
        .type = EVENT_DROP, .reason = reason, .ct_state = CT_NEW, .remote_id = remote_id,
        .match = match,
    };

    metrics_add(reason, dir, skb->len);
    emit(skb, ep, dir, f, &info);
    return TC_ACT_SHOT;
}

#endif /* NODUS_METRICS_H */
