/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Nodus datapath: map layouts and reason codes shared by the BPF programs.
 *
 * Every struct here has a Java twin in io.nodus.bpf.maps (one class per map) whose
 * sizes are checked against this object's BTF by a test; change both together.
 * Addresses and ports are in network byte order, exactly as they appear in the packet.
 * Maps are pinned by name under the pin root the loader sets (/sys/fs/bpf/nodus/<node>/).
 * Changing a map definition breaks reuse of existing pins ("parameter mismatch").
 */
#ifndef NODUS_MAPS_H
#define NODUS_MAPS_H

#include <linux/types.h>

/* ---- sizes ------------------------------------------------------------------------- */

#define NODUS_IPCACHE_MAX      65536
#define NODUS_ENDPOINTS_MAX    4096
#define NODUS_POLICY_MAX       4096   /* endpoints with a policy map */
#define NODUS_POLICY_INNER_MAX 16384  /* entries per endpoint policy map */
#define NODUS_CT_MAX           65536
#define NODUS_EVENTS_BYTES     (1 << 20)
#define NODUS_METRICS_MAX      1024

/* ---- reason codes -------------------------------------------------------------------
 * Drop reasons reuse Cilium's numbers (pkg/monitor/api/drop.go) so operators and tools
 * read them the same way. Values below 130 are not drops.
 */
#define REASON_FORWARDED         0    /* "Success": packet passed */
#define REASON_EVENT_LOST        120  /* Nodus only, not a drop: ring buffer reserve failed */
#define DROP_POLICY              133  /* "Policy denied": enforced direction, no allow entry */
#define DROP_INVALID             134  /* "Invalid packet": IPv4 header unreadable or bogus */
#define DROP_CT_INVALID_HDR      135  /* "CT: Truncated or invalid header": L4 header unreadable */
#define DROP_UNSUPPORTED_L3      139  /* "Unsupported L3 protocol": IPv6 and anything not IPv4/ARP */
#define DROP_CT_CREATE_FAILED    155  /* "CT: Map insertion failed" */
#define DROP_FRAG_NOSUPPORT      157  /* "IP fragmentation not supported": non-first fragment
                                         in an enforced direction without a port-less allow */
#define DROP_POLICY_DENY         181  /* "Policy denied by denylist": a DENY entry matched */

/* ---- directions -------------------------------------------------------------------- */

#define DIR_INGRESS 0  /* into the endpoint: nodus_to_endpoint */
#define DIR_EGRESS  1  /* out of the endpoint: nodus_from_endpoint */

#define CT_INGRESS 0   /* entry created by a flow that entered the endpoint */
#define CT_EGRESS  1   /* entry created by a flow that left the endpoint */

/* ---- nodus_ipcache: LPM trie, IPv4 prefix -> identity ------------------------------ */

struct ipcache_key {
	__u32 prefixlen; /* LPM prefix length in bits, 0..32 (the trie's own header) */
	__u32 addr;      /* IPv4 address, network order; bits past prefixlen are ignored */
};

struct ipcache_value {
	__u32 identity;        /* security identity of the prefix */
	__u32 tunnel_endpoint; /* node underlay IPv4, network order; 0 = local */
	__u32 flags;           /* reserved, 0 */
	__u32 pad;             /* keeps the value 8-byte sized, 0 */
};

/* ---- nodus_endpoints: hash, host-side veth ifindex -> endpoint ---------------------- */

#define EP_F_INGRESS_ENFORCED (1U << 0) /* default deny for traffic into the endpoint */
#define EP_F_EGRESS_ENFORCED  (1U << 1) /* default deny for traffic out of the endpoint */

struct endpoint_key {
	__u32 ifindex; /* ifindex of the HOST-side veth (in the node namespace) */
};

struct endpoint_info {
	__u32 endpoint_id; /* key into nodus_policy; also reported in events */
	__u32 identity;    /* the endpoint's own security identity */
	__u32 ipv4;        /* the endpoint's IPv4, network order */
	__u32 flags;       /* EP_F_* */
};

/* ---- nodus_policy: hash of maps, endpoint id -> per-endpoint policy hash ----------- */

#define POLICY_F_DENY (1U << 0) /* matching traffic is dropped, whatever allows it */

struct policy_key {
	__u32 identity;  /* remote identity; 0 = any identity */
	__u16 dport;     /* destination port, network order; 0 = any port. For ICMP the
	                    "port" is the ICMP type in network order (echo request = 8) */
	__u8 proto;      /* IPPROTO_*; 0 = any protocol */
	__u8 direction;  /* DIR_INGRESS (into the endpoint) or DIR_EGRESS (out of it) */
};

struct policy_value {
	__u8 flags;       /* POLICY_F_* */
	__u8 pad;         /* 0 */
	__u16 proxy_port; /* L7 proxy port, network order; 0 = none (reserved, not used yet) */
	__u32 pad2;       /* 0 */
};

/* ---- nodus_ct: LRU hash, connection tracking ---------------------------------------
 * The key is the packet's own tuple plus the direction of the flow that created it.
 * A reply is found by looking up the reversed tuple with the opposite direction.
 * ICMP echo request/reply use the echo identifier as both ports, so a reply matches
 * its request; other ICMP messages are never tracked. Protocols without ports
 * (anything but TCP/UDP/ICMP) use 0 for both ports.
 */
struct ct_key {
	__u32 saddr;  /* source IPv4, network order */
	__u32 daddr;  /* destination IPv4, network order */
	__u16 sport;  /* source port, network order (ICMP echo: identifier) */
	__u16 dport;  /* destination port, network order (ICMP echo: identifier) */
	__u8 proto;   /* IPPROTO_* */
	__u8 dir;     /* CT_INGRESS or CT_EGRESS */
	__u16 pad;    /* 0 */
};

#define CT_F_TCP_FIN (1U << 0) /* a FIN was seen in either direction */
#define CT_F_TCP_RST (1U << 1) /* a RST was seen in either direction */

/* Lifetimes after the last packet (bpf_ktime_get_ns, CLOCK_MONOTONIC). */
#define CT_LIFETIME_TCP_NS     (6ULL * 3600 * 1000000000ULL)
#define CT_LIFETIME_CLOSING_NS (10ULL * 1000000000ULL)
#define CT_LIFETIME_OTHER_NS   (60ULL * 1000000000ULL)

struct ct_value {
	__u64 expires_ns; /* bpf_ktime_get_ns() after which the entry counts as absent */
	__u64 packets;    /* packets seen in both directions */
	__u64 bytes;      /* bytes (skb->len) seen in both directions */
	__u32 flags;      /* CT_F_* */
	__u32 pad;        /* 0 */
};

/* ---- nodus_events: ring buffer of datapath events ---------------------------------- */

#define EVENT_DROP           1
#define EVENT_POLICY_VERDICT 2 /* reserved */
#define EVENT_TRACE          3 /* reserved */

struct nodus_event {
	__u8 type;           /* EVENT_* */
	__u8 reason;         /* reason code above */
	__u8 direction;      /* DIR_INGRESS or DIR_EGRESS */
	__u8 proto;          /* IPPROTO_*, 0 when not IPv4 */
	__u32 endpoint_id;   /* endpoint whose program saw the packet */
	__u32 src_identity;  /* identity of the sender */
	__u32 dst_identity;  /* identity of the receiver */
	__u32 saddr;         /* IPv4 source, network order; 0 when not IPv4 */
	__u32 daddr;         /* IPv4 destination, network order; 0 when not IPv4 */
	__u16 sport;         /* source port, network order (ICMP echo: identifier) */
	__u16 dport;         /* destination port, network order (ICMP echo: identifier) */
	__u32 ifindex;       /* host-side veth ifindex */
	__u64 ktime_ns;      /* bpf_ktime_get_ns() at the event */
	__u32 len;           /* packet length (skb->len) */
	__u32 pad;           /* 0 */
};

/* ---- nodus_metrics: per-CPU hash, (reason, direction) -> counters ------------------ */

struct metrics_key {
	__u8 reason;    /* REASON_FORWARDED, REASON_EVENT_LOST or a DROP_* code */
	__u8 direction; /* DIR_INGRESS or DIR_EGRESS */
	__u16 pad;      /* 0 */
};

struct metrics_value {
	__u64 packets; /* packets counted on this CPU */
	__u64 bytes;   /* bytes (skb->len) counted on this CPU */
};

#endif /* NODUS_MAPS_H */
