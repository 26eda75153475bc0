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

static __always_inline __u64 ct_lifetime(__u8 proto, __u32 flags)
{
	if (proto != IPPROTO_TCP)
		return CT_LIFETIME_OTHER_NS;
	if (flags & (CT_F_TCP_FIN | CT_F_TCP_RST))
		return CT_LIFETIME_CLOSING_NS;
	return CT_LIFETIME_TCP_NS;
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
static __always_inline int ct_touch(struct ct_value *v, const struct flow *f, __u32 len, __u64 now)
{
	__u32 flags;

	if (!v || v->expires_ns < now)
		return 0;
	flags = v->flags;
	/* A fresh SYN on a closing tuple reopens it (port reuse within the closing window). */
	if ((f->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN && f->proto == IPPROTO_TCP)
		flags = 0;
	flags |= ct_flags_of(f);
	/* Racing CPUs may interleave these plain stores; the outcome is still a live entry. */
	v->flags = flags;
	v->expires_ns = now + ct_lifetime(f->proto, flags);
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, len);
	return 1;
}

/* Is the packet part of a flow tracked in either direction? */
static __always_inline int ct_lookup(const struct flow *f, __u8 ct_dir, __u32 len, __u64 now)
{
	struct ct_key fwd = {
		.saddr = f->saddr, .daddr = f->daddr, .sport = f->sport, .dport = f->dport,
		.proto = f->proto, .dir = ct_dir,
	};
	struct ct_key rev = {
		.saddr = f->daddr, .daddr = f->saddr, .sport = f->dport, .dport = f->sport,
		.proto = f->proto, .dir = ct_dir == CT_EGRESS ? CT_INGRESS : CT_EGRESS,
	};

	if (ct_touch(bpf_map_lookup_elem(&nodus_ct, &fwd), f, len, now))
		return 1;
	return ct_touch(bpf_map_lookup_elem(&nodus_ct, &rev), f, len, now);
}

static __always_inline int ct_create(const struct flow *f, __u8 ct_dir, __u32 len, __u64 now)
{
	struct ct_key key = {
		.saddr = f->saddr, .daddr = f->daddr, .sport = f->sport, .dport = f->dport,
		.proto = f->proto, .dir = ct_dir,
	};
	struct ct_value val = { .packets = 1, .bytes = len, .flags = ct_flags_of(f) };

	val.expires_ns = now + ct_lifetime(f->proto, val.flags);
	/* BPF_ANY: an expired entry for the same tuple is simply replaced. */
	return bpf_map_update_elem(&nodus_ct, &key, &val, BPF_ANY);
}

#endif /* NODUS_CT_H */
