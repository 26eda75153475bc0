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

#define IP_OFFSET 0x1FFF /* fragment offset bits of frag_off */

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO      8

/* What the programs need from one IPv4 packet. */
struct flow {
	__u32 saddr;       /* network order */
	__u32 daddr;       /* network order */
	__u16 sport;       /* network order; ICMP echo: identifier */
	__u16 dport;       /* network order; ICMP echo: identifier */
	__u16 policy_port; /* dport for TCP/UDP, ICMP type for ICMP, 0 otherwise */
	__u8 proto;
	__u8 tcp_flags;
	__u8 fragment;     /* non-first fragment: no L4 header, never tracked */
	__u8 trackable;    /* may create and match CT entries */
};

/* Returns 0 or a drop reason. */
static __always_inline int parse_ipv4(struct __sk_buff *skb, struct flow *f)
{
	struct iphdr ip;
	__u32 l4;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0)
		return DROP_INVALID;
	if (ip.version != 4 || ip.ihl < 5)
		return DROP_INVALID;

	f->saddr = ip.saddr;
	f->daddr = ip.daddr;
	f->proto = ip.protocol;
	f->trackable = 1;
	if (ip.frag_off & bpf_htons(IP_OFFSET)) {
		/* Only the first fragment carries the L4 header. */
		f->fragment = 1;
		f->trackable = 0;
		return 0;
	}

	l4 = ETH_HLEN + ip.ihl * 4;
	switch (ip.protocol) {
	case IPPROTO_TCP: {
		__u8 hdr[14]; /* ports, seq, ack, data offset, flags */

		if (bpf_skb_load_bytes(skb, l4, hdr, sizeof(hdr)) < 0)
			return DROP_CT_INVALID_HDR;
		__builtin_memcpy(&f->sport, &hdr[0], 2);
		__builtin_memcpy(&f->dport, &hdr[2], 2);
		f->tcp_flags = hdr[13];
		f->policy_port = f->dport;
		break;
	}
	case IPPROTO_UDP: {
		__u16 ports[2];

		if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)) < 0)
			return DROP_CT_INVALID_HDR;
		f->sport = ports[0];
		f->dport = ports[1];
		f->policy_port = f->dport;
		break;
	}
	case IPPROTO_ICMP: {
		__u8 hdr[6]; /* type, code, checksum, echo identifier */
		__u16 id;

		if (bpf_skb_load_bytes(skb, l4, hdr, sizeof(hdr)) < 0)
			return DROP_CT_INVALID_HDR;
		f->policy_port = bpf_htons(hdr[0]);
		if (hdr[0] == ICMP_ECHO || hdr[0] == ICMP_ECHOREPLY) {
			__builtin_memcpy(&id, &hdr[4], 2);
			f->sport = id;
			f->dport = id;
		} else {
			/* Errors and other messages are judged by policy alone. */
			f->trackable = 0;
		}
		break;
	}
	default:
		break; /* tracked by addresses and protocol, ports 0 */
	}
	return 0;
}

#endif /* NODUS_PARSE_H */
