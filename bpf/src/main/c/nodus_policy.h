/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Policy verdict for new flows from the endpoint's inner map in nodus_policy. */
#ifndef NODUS_POLICY_H
#define NODUS_POLICY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "nodus_map_defs.h"
#include "nodus_parse.h"

/* Looks one key up; returns 1 on a DENY entry, sets *allowed on an allow entry. */
static __always_inline int policy_probe(void *inner, __u32 identity, __u16 port, __u8 proto,
					__u8 dir, int *allowed)
{
	struct policy_key key = {
		.identity = identity, .dport = port, .proto = proto, .direction = dir,
	};
	struct policy_value *v = bpf_map_lookup_elem(inner, &key);

	if (!v)
		return 0;
	if (v->flags & POLICY_F_DENY)
		return 1;
	*allowed = 1;
	return 0;
}

/*
 * Verdict for a new flow in an enforced direction: 0 = allow, else a drop reason.
 * Every key is probed, most specific first, because a DENY anywhere beats any allow.
 * Non-first fragments have no port, so only the port-less keys apply to them.
 */
static __always_inline int policy_verdict(__u32 endpoint_id, __u32 remote_id, const struct flow *f,
					  __u8 dir)
{
	void *inner = bpf_map_lookup_elem(&nodus_policy, &endpoint_id);
	__u16 port = f->policy_port;
	__u8 proto = f->proto;
	int allowed = 0, deny = 0;

	if (!inner)
		return DROP_POLICY; /* enforced but no policy map yet: default deny */
	if (!f->fragment)
		deny |= policy_probe(inner, remote_id, port, proto, dir, &allowed);
	deny |= policy_probe(inner, remote_id, 0, proto, dir, &allowed);
	deny |= policy_probe(inner, remote_id, 0, 0, dir, &allowed);
	if (!f->fragment)
		deny |= policy_probe(inner, 0, port, proto, dir, &allowed);
	deny |= policy_probe(inner, 0, 0, proto, dir, &allowed);
	deny |= policy_probe(inner, 0, 0, 0, dir, &allowed);
	if (deny)
		return DROP_POLICY_DENY;
	if (allowed)
		return 0;
	return f->fragment ? DROP_FRAG_NOSUPPORT : DROP_POLICY;
}

#endif /* NODUS_POLICY_H */
