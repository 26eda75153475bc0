/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-CPU counters and drop events (ring buffer), shared by both programs. */
#ifndef NODUS_METRICS_H
#define NODUS_METRICS_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "nodus_map_defs.h"
#include "nodus_parse.h"

static __always_inline void metrics_add(__u8 reason, __u8 dir, __u32 len)
{
	struct metrics_key key = { .reason = reason, .direction = dir };
	struct metrics_value *v, init = { .packets = 1, .bytes = len };

	/* Per-CPU values: plain increments are safe, no atomics needed. */
	v = bpf_map_lookup_elem(&nodus_metrics, &key);
	if (v) {
		v->packets += 1;
		v->bytes += len;
		return;
	}
	/* Another CPU may have created the key meanwhile: then count into ours. */
	if (bpf_map_update_elem(&nodus_metrics, &key, &init, BPF_NOEXIST) != 0) {
		v = bpf_map_lookup_elem(&nodus_metrics, &key);
		if (v) {
			v->packets += 1;
			v->bytes += len;
		}
	}
}

static __always_inline int drop(struct __sk_buff *skb, const struct endpoint_info *ep, __u8 dir,
				__u8 reason, const struct flow *f, __u32 remote_id)
{
	struct nodus_event *e;

	metrics_add(reason, dir, skb->len);
	e = bpf_ringbuf_reserve(&nodus_events, sizeof(*e), 0);
	if (!e) {
		/* A full ring buffer must never hide a drop: count the lost event. */
		metrics_add(REASON_EVENT_LOST, dir, skb->len);
		return TC_ACT_SHOT;
	}
	e->type = EVENT_DROP;
	e->reason = reason;
	e->direction = dir;
	e->proto = f->proto;
	e->endpoint_id = ep->endpoint_id;
	e->src_identity = dir == DIR_EGRESS ? ep->identity : remote_id;
	e->dst_identity = dir == DIR_EGRESS ? remote_id : ep->identity;
	e->saddr = f->saddr;
	e->daddr = f->daddr;
	e->sport = f->sport;
	e->dport = f->dport;
	e->ifindex = skb->ifindex;
	e->ktime_ns = bpf_ktime_get_ns();
	e->len = skb->len;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	return TC_ACT_SHOT;
}

#endif /* NODUS_METRICS_H */
