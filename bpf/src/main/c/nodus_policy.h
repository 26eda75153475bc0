/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Policy verdict for new flows from the endpoint's policy trie in nodus_policy. */
#ifndef NODUS_POLICY_H
#define NODUS_POLICY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "nodus_map_defs.h"
#include "nodus_parse.h"

/* The entry that decided a verdict, for events. */
struct policy_match {
    __u32 identity;  /* the entry's identity: the remote identity or 0 (any) */
    __u16 port;      /* the entry's port range, host order */
    __u16 end_port;
    __u8 prefixlen;  /* the entry's key prefixlen; 0 = no entry matched */
    __u8 type;       /* MATCH_* */
    __u8 pad[2];
};

/*
 * The most specific entry for one identity: the trie returns the longest prefix, i.e. a
 * single port before a range before "any port of the protocol" before "any protocol".
 * A later fragment whose ports are unknown only sees the port-less entries.
 */
static __always_inline struct policy_value *policy_lookup(void *inner, __u32 identity, __u8 dir,
                                                          const struct flow *f)
{
    struct policy_key key = {
        .prefixlen = f->no_ports ? POLICY_PREFIX_PROTO : POLICY_PREFIX_FULL,
        .identity = identity,
        .direction = dir,
        .proto = f->proto,
        .dport = f->no_ports ? 0 : f->policy_port,
    };

    return bpf_map_lookup_elem(inner, &key);
}

static __always_inline void policy_describe(struct policy_match *m, const struct policy_value *v,
                                            __u32 identity)
{
    int l4 = v->prefixlen > POLICY_PREFIX_PROTO;
    int proto = v->prefixlen >= POLICY_PREFIX_PROTO;

    m->identity = identity;
    m->prefixlen = v->prefixlen;
    m->port = v->rule_port;
    m->end_port = v->rule_end_port;
    if (identity)
        m->type = l4 ? MATCH_L3_L4 : proto ? MATCH_L3_PROTO : MATCH_L3_ONLY;
    else
        m->type = l4 ? MATCH_L4_ONLY : proto ? MATCH_PROTO_ONLY : MATCH_ALL;
}

/*
 * Verdict for a new flow in an enforced direction: 0 = allow, else a drop reason; *m tells
 * which entry decided. The agent keeps each identity's trie deny-consistent (no allow entry
 * is more specific than a deny entry covering it), so a deny among the entries that match
 * always surfaces in one of the two lookups: deny beats allow. Between two allows, the more
 * specific L4 match is reported, and the remote identity's on a tie.
 */
static __always_inline int policy_verdict(__u32 endpoint_id, __u32 remote_id, const struct flow *f,
                                          __u8 dir, struct policy_match *m)
{
    void *inner = bpf_map_lookup_elem(&nodus_policy, &endpoint_id);
    struct policy_value *by_id, *by_any;

    if (!inner)
        return DROP_POLICY; /* enforced but no policy map yet: default deny */
    by_id = policy_lookup(inner, remote_id, dir, f);
    by_any = policy_lookup(inner, 0, dir, f);
    if (by_id && (by_id->flags & POLICY_F_DENY)) {
        policy_describe(m, by_id, remote_id);
        return DROP_POLICY_DENY;
    }
    if (by_any && (by_any->flags & POLICY_F_DENY)) {
        policy_describe(m, by_any, 0);
        return DROP_POLICY_DENY;
    }
    if (by_id && (!by_any || by_id->prefixlen >= by_any->prefixlen)) {
        policy_describe(m, by_id, remote_id);
        return 0;
    }
    if (by_any) {
        policy_describe(m, by_any, 0);
        return 0;
    }
    return f->no_ports ? DROP_FRAG_NOT_FOUND : DROP_POLICY;
}

#endif /* NODUS_POLICY_H */
