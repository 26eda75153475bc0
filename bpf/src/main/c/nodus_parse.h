/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* IPv4/L4 header parsing into the flow the policy and CT code work on. */
#ifndef NODUS_PARSE_H
#define NODUS_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "nodus_maps.h"
#include "nodus_map_defs.h"

#define IP_MF     0x2000 /* more fragments follow */
#define IP_OFFSET 0x1FFF /* fragment offset bits of frag_off */

#define ICMP_ECHOREPLY     0
#define ICMP_DEST_UNREACH  3
#define ICMP_ECHO          8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

/* What the programs need from one IPv4 packet. */
struct flow {
    __u32 saddr;       /* network order */
    __u32 daddr;       /* network order */
    __u16 sport;       /* network order; ICMP echo: identifier */
    __u16 dport;       /* network order; ICMP echo: identifier */
    __u16 policy_port; /* dport for TCP/UDP/SCTP, ICMP type for ICMP, 0 otherwise */
    __u8 proto;
    __u8 tcp_flags;
    __u8 no_ports;     /* a later fragment whose first fragment was not seen */
    __u8 trackable;    /* may create and match CT entries */
    __u8 icmp_error;   /* an ICMP error quoting the tuple in quoted_* */
    __u8 pad;
    __u32 quoted_saddr; /* the quoted packet's header, as it was sent */
    __u32 quoted_daddr;
    __u16 quoted_sport;
    __u16 quoted_dport;
    __u8 quoted_proto;
    __u8 pad2[3];
};

/* Reads the ports (or the echo identifier) at offset l4; returns 0 or a drop reason. */
static __always_inline int read_l4(struct __sk_buff *skb, __u32 l4, __u8 proto, __u16 *sport,
                                   __u16 *dport, __u16 *policy_port, __u8 *tcp_flags,
                                   __u8 *icmp_type)
{
    switch (proto) {
    case IPPROTO_TCP: {
        __u8 hdr[14]; /* ports, seq, ack, data offset, flags */

        if (bpf_skb_load_bytes(skb, l4, hdr, sizeof(hdr)) < 0)
            return DROP_CT_INVALID_HDR;
        __builtin_memcpy(sport, &hdr[0], 2);
        __builtin_memcpy(dport, &hdr[2], 2);
        *tcp_flags = hdr[13];
        *policy_port = *dport;
        return 0;
    }
    case IPPROTO_UDP:
    case IPPROTO_SCTP: {
        __u16 ports[2];

        if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)) < 0)
            return DROP_CT_INVALID_HDR;
        *sport = ports[0];
        *dport = ports[1];
        *policy_port = *dport;
        return 0;
    }
    case IPPROTO_ICMP: {
        __u8 hdr[6]; /* type, code, checksum, echo identifier */

        if (bpf_skb_load_bytes(skb, l4, hdr, sizeof(hdr)) < 0)
            return DROP_CT_INVALID_HDR;
        *icmp_type = hdr[0];
        *policy_port = bpf_htons(hdr[0]);
        if (hdr[0] == ICMP_ECHO || hdr[0] == ICMP_ECHOREPLY) {
            __builtin_memcpy(sport, &hdr[4], 2);
            __builtin_memcpy(dport, &hdr[4], 2);
        }
        return 0;
    }
    default:
        return 0; /* tracked by addresses and protocol, ports 0 */
    }
}

/*
 * An ICMP error quotes the IPv4 header and first 8 bytes of the packet that caused it;
 * the CT code matches that tuple, so errors about tracked flows pass as RELATED.
 */
static __always_inline void read_quoted(struct __sk_buff *skb, __u32 l4, struct flow *f)
{
    struct iphdr inner;
    __u16 ports[2];
    __u32 off = l4 + 8;

    if (bpf_skb_load_bytes(skb, off, &inner, sizeof(inner)) < 0 || inner.version != 4 ||
        inner.ihl < 5)
        return;
    off += inner.ihl * 4;
    if (inner.protocol == IPPROTO_TCP || inner.protocol == IPPROTO_UDP ||
        inner.protocol == IPPROTO_SCTP) {
        if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)) < 0)
            return;
    } else if (inner.protocol == IPPROTO_ICMP) {
        __u8 hdr[6];

        if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)) < 0)
            return;
        __builtin_memcpy(&ports[0], &hdr[4], 2);
        ports[1] = ports[0];
    } else {
        ports[0] = 0;
        ports[1] = 0;
    }
    f->icmp_error = 1;
    f->quoted_saddr = inner.saddr;
    f->quoted_daddr = inner.daddr;
    f->quoted_sport = ports[0];
    f->quoted_dport = ports[1];
    f->quoted_proto = inner.protocol;
}

/*
 * The common case without helper calls: an unfragmented TCP or UDP packet without IP options
 * whose headers sit in the skb's linear part. Returns 0 when it handled the packet, -1 to let
 * the general parser below do it.
 */
static __always_inline int parse_fast(struct __sk_buff *skb, struct flow *f)
{
    void *data = (void *)(long)skb->data;
    void *end = (void *)(long)skb->data_end;
    struct iphdr *ip = data + ETH_HLEN;
    __u8 *l4 = data + ETH_HLEN + sizeof(struct iphdr);

    if ((void *)(l4 + 14) > end)
        return -1;
    if (ip->version != 4 || ip->ihl != 5 || (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
        return -1;
    if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
        return -1;
    f->saddr = ip->saddr;
    f->daddr = ip->daddr;
    f->proto = ip->protocol;
    f->trackable = 1;
    __builtin_memcpy(&f->sport, l4, 2);
    __builtin_memcpy(&f->dport, l4 + 2, 2);
    f->policy_port = f->dport;
    if (ip->protocol == IPPROTO_TCP)
        f->tcp_flags = l4[13];
    return 0;
}

/* Returns 0 or a drop reason. */
static __always_inline int parse_ipv4(struct __sk_buff *skb, struct flow *f)
{
    struct frag_key fk = {};
    struct frag_value fv = {};
    struct frag_value *known;
    struct iphdr ip;
    __u8 icmp_type = 0xff;
    __u16 frag;
    __u32 l4;
    int rc;

    if (parse_fast(skb, f) == 0)
        return 0;
    if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0)
        return DROP_INVALID;
    if (ip.version != 4 || ip.ihl < 5)
        return DROP_INVALID;

    f->saddr = ip.saddr;
    f->daddr = ip.daddr;
    f->proto = ip.protocol;
    f->trackable = 1;
    frag = bpf_ntohs(ip.frag_off);
    fk.saddr = ip.saddr;
    fk.daddr = ip.daddr;
    fk.id = ip.id;
    fk.proto = ip.protocol;

    if (frag & IP_OFFSET) {
        /* A later fragment: only the first one carried the ports. */
        known = bpf_map_lookup_elem(&nodus_frags, &fk);
        if (!known) {
            f->no_ports = 1;
            f->trackable = 0;
            return 0;
        }
        f->sport = known->sport;
        f->dport = known->dport;
        f->policy_port = known->policy_port;
        return 0;
    }

    l4 = ETH_HLEN + ip.ihl * 4;
    rc = read_l4(skb, l4, ip.protocol, &f->sport, &f->dport, &f->policy_port, &f->tcp_flags,
                 &icmp_type);
    if (rc)
        return rc;
    if (ip.protocol == IPPROTO_ICMP && icmp_type != ICMP_ECHO && icmp_type != ICMP_ECHOREPLY) {
        /* Errors are tracked through the flow they quote; other messages by policy alone. */
        f->trackable = 0;
        if (icmp_type == ICMP_DEST_UNREACH || icmp_type == ICMP_TIME_EXCEEDED ||
            icmp_type == ICMP_PARAMETERPROB)
            read_quoted(skb, l4, f);
    }
    if (frag & IP_MF) {
        /* The first of several fragments: remember its ports for the others. */
        fv.sport = f->sport;
        fv.dport = f->dport;
        fv.policy_port = f->policy_port;
        bpf_map_update_elem(&nodus_frags, &fk, &fv, BPF_ANY);
    }
    return 0;
}

#endif /* NODUS_PARSE_H */
