// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Nodus datapath: identity-based L3/L4 policy with connection tracking, as two tc
 * programs on an endpoint's host-side veth. One object serves every endpoint: the
 * endpoint is found by skb->ifindex in nodus_endpoints, and a packet on an unknown
 * ifindex passes untouched.
 *
 *   nodus_from_endpoint  tc ingress of the host veth = leaving the endpoint  = EGRESS policy
 *   nodus_to_endpoint    tc egress of the host veth  = entering the endpoint = INGRESS policy
 *
 * Per packet: endpoint lookup, header parse, CT lookup; only a new flow pays for the
 * ipcache and the policy lookups. Headers are read with bpf_skb_load_bytes rather than
 * direct packet access: it copes with non-linear skbs and keeps the verifier out of
 * variable-offset pointer arithmetic.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "nodus_maps.h"
#include "nodus_map_defs.h"
#include "nodus_parse.h"
#include "nodus_ct.h"
#include "nodus_policy.h"
#include "nodus_metrics.h"

#define IDENTITY_WORLD 2 /* reserved identity of addresses the ipcache does not know */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Never called, so libbpf never loads it: its signature puts the structs that no map
 * definition names into the object's BTF in full (clang keeps the types of function
 * parameters, not of locals), so user space can check its layouts against them.
 */
__noinline int nodus_btf_anchor(struct nodus_event *event, struct policy_key *key,
                                struct policy_value *value)
{
    return event != 0 && key != 0 && value != 0;
}

static __always_inline __u32 remote_identity(__u32 addr)
{
    struct ipcache_key key = { .prefixlen = 32, .addr = addr };
    struct ipcache_value *v = bpf_map_lookup_elem(&nodus_ipcache, &key);

    return v ? v->identity : IDENTITY_WORLD;
}

static __always_inline int tracing(const struct endpoint_info *ep,
                                   const struct datapath_config *cfg)
{
    return (ep->flags & EP_F_TRACE) || (cfg && (cfg->flags & CFG_F_TRACE_ALL));
}

/* Counts a forwarded packet and, when tracing is on, reports it. */
static __always_inline int forward(struct __sk_buff *skb, const struct endpoint_info *ep,
                                   __u8 dir, const struct flow *f, __u8 ct_state, __u32 remote_id,
                                   const struct datapath_config *cfg)
{
    metrics_add(REASON_FORWARDED, dir, skb->len);
    if (tracing(ep, cfg)) {
        struct event_info info = {
            .type = EVENT_TRACE,
            .reason = dir == DIR_EGRESS ? TRACE_FROM_ENDPOINT : TRACE_TO_ENDPOINT,
            .ct_state = ct_state,
            .remote_id = remote_id ? remote_id
                                   : remote_identity(dir == DIR_EGRESS ? f->daddr : f->saddr),
        };
        emit(skb, ep, dir, f, &info);
    }
    return TC_ACT_OK;
}

static __always_inline int handle(struct __sk_buff *skb, __u8 dir)
{
    struct endpoint_key ep_key = { .ifindex = skb->ifindex };
    struct endpoint_info *ep = bpf_map_lookup_elem(&nodus_endpoints, &ep_key);
    struct policy_match match = {};
    struct datapath_config *cfg;
    struct flow f = {};
    __u32 zero = 0, remote_id, enforced_flag;
    __u8 ct_dir = dir == DIR_EGRESS ? CT_EGRESS : CT_INGRESS;
    __u64 now;
    int reason, state;

    if (!ep)
        return TC_ACT_OK; /* not an endpoint interface */
    cfg = bpf_map_lookup_elem(&nodus_config, &zero);

    if (skb->protocol == bpf_htons(ETH_P_ARP))
        return forward(skb, ep, dir, &f, CT_NEW, IDENTITY_WORLD, cfg);
    if (skb->protocol != bpf_htons(ETH_P_IP))
        return drop(skb, ep, dir, DROP_UNSUPPORTED_L3, &f, 0, 0);

    reason = parse_ipv4(skb, &f);
    if (reason)
        return drop(skb, ep, dir, reason, &f, 0, 0);

    /* The coarse clock (tick resolution) is a plain read: CT lifetimes are seconds long. */
    now = bpf_ktime_get_coarse_ns();
    if (f.trackable) {
        state = ct_lookup(&f, ct_dir, skb->len, now, cfg);
        if (state != CT_NEW)
            return forward(skb, ep, dir, &f, state, 0, cfg);
    } else if (ct_lookup_related(&f, ct_dir, now)) {
        return forward(skb, ep, dir, &f, CT_RELATED, 0, cfg);
    }

    /* A new flow. */
    remote_id = remote_identity(dir == DIR_EGRESS ? f.daddr : f.saddr);
    enforced_flag = dir == DIR_EGRESS ? EP_F_EGRESS_ENFORCED : EP_F_INGRESS_ENFORCED;
    if (ep->flags & enforced_flag) {
        reason = policy_verdict(ep->endpoint_id, remote_id, &f, dir, &match);
        if (reason)
            return drop(skb, ep, dir, reason, &f, remote_id, &match);
        if (!cfg || !(cfg->flags & CFG_F_NO_VERDICTS)) {
            struct event_info info = {
                .type = EVENT_POLICY_VERDICT, .reason = 0, .ct_state = CT_NEW,
                .remote_id = remote_id, .match = &match,
            };
            emit(skb, ep, dir, &f, &info);
        }
    }
    /* Tracked even when not enforced, so enforcing later keeps existing connections. */
    if (f.trackable && ct_create(&f, ct_dir, skb->len, now, cfg) != 0)
        return drop(skb, ep, dir, DROP_CT_CREATE_FAILED, &f, remote_id, &match);

    return forward(skb, ep, dir, &f, CT_NEW, remote_id, cfg);
}

SEC("tc")
int nodus_from_endpoint(struct __sk_buff *skb)
{
    return handle(skb, DIR_EGRESS);
}

SEC("tc")
int nodus_to_endpoint(struct __sk_buff *skb)
{
    return handle(skb, DIR_INGRESS);
}
