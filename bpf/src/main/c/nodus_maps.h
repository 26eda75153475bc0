/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Nodus datapath: map layouts and codes shared by the BPF programs.
 *
 * Every struct here has a Java twin in io.nodus.bpf.maps (one class per map) whose
 * sizes are checked against this object's BTF by a test; change both together.
 * Addresses and ports are in network byte order, exactly as they appear in the packet.
 * Maps are pinned by name under the pin root the loader sets (/sys/fs/bpf/nodus/<node>/).
 * The loader fingerprints every map definition: a pinned map whose definition changed is
 * replaced (and refilled by the agent) before the new programs are attached.
 */
#ifndef NODUS_MAPS_H
#define NODUS_MAPS_H

#include <linux/types.h>

/* ---- default sizes (the loader may resize CT and the policy maps before loading) --- */

#define NODUS_IPCACHE_MAX      65536
#define NODUS_ENDPOINTS_MAX    4096
#define NODUS_POLICY_MAX       4096   /* endpoints with a policy map */
#define NODUS_POLICY_INNER_MAX 16384  /* entries per endpoint policy map (template) */
#define NODUS_CT_MAX           65536
#define NODUS_FRAGS_MAX        8192
#define NODUS_EVENTS_BYTES     (1 << 20)
#define NODUS_METRICS_MAX      512    /* (reason << 1) | direction */

/* ---- reason codes -------------------------------------------------------------------
 * Drop reasons reuse Cilium's numbers and texts (pkg/monitor/api/drop.go) so operators and
 * tools read them the same way. Values below 130 are not drops.
 */
#define REASON_FORWARDED         0    /* "Success": packet passed */
#define REASON_EVENT_LOST        120  /* Nodus only, not a drop: ring buffer reserve failed */
#define DROP_POLICY              133  /* "Policy denied": enforced direction, no allow entry */
#define DROP_INVALID             134  /* "Invalid packet": IPv4 header unreadable or bogus */
#define DROP_CT_INVALID_HDR      135  /* "CT: Truncated or invalid header": L4 header unreadable */
#define DROP_UNSUPPORTED_L3      139  /* "Unsupported L3 protocol": IPv6, anything not IPv4/ARP */
#define DROP_CT_CREATE_FAILED    155  /* "CT: Map insertion failed": the CT map is full */
#define DROP_FRAG_NOT_FOUND      175  /* "First logical datagram fragment not found" */
#define DROP_POLICY_DENY         181  /* "Policy denied by denylist": a DENY entry matched */

/* ---- directions -------------------------------------------------------------------- */

#define DIR_INGRESS 0  /* into the endpoint: nodus_to_endpoint */
#define DIR_EGRESS  1  /* out of the endpoint: nodus_from_endpoint */

#define CT_INGRESS 0   /* entry created by a flow that entered the endpoint */
#define CT_EGRESS  1   /* entry created by a flow that left the endpoint */

/* ---- nodus_config: array of one, datapath-wide switches and timeouts ------------------ */

#define CFG_F_TRACE_ALL   (1U << 0) /* trace events for every forwarded packet */
#define CFG_F_NO_VERDICTS (1U << 1) /* no policy-verdict events for allowed new flows */

struct datapath_config {
    __u32 flags;               /* CFG_F_* */
    __u32 ct_tcp_lifetime_s;   /* established TCP; 0 = CT_LIFETIME_TCP_S */
    __u32 ct_syn_lifetime_s;   /* TCP before the first reply; 0 = CT_LIFETIME_SYN_S */
    __u32 ct_close_lifetime_s; /* TCP after FIN or RST; 0 = CT_LIFETIME_CLOSE_S */
    __u32 ct_other_lifetime_s; /* UDP, ICMP, others; 0 = CT_LIFETIME_OTHER_S */
    __u32 pad[3];              /* 0 */
};

/* Cilium's defaults. */
#define CT_LIFETIME_TCP_S   21600
#define CT_LIFETIME_SYN_S   60
#define CT_LIFETIME_CLOSE_S 10
#define CT_LIFETIME_OTHER_S 60

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
#define EP_F_TRACE            (1U << 2) /* trace events for this endpoint's packets */

struct endpoint_key {
    __u32 ifindex; /* ifindex of the HOST-side veth (in the node namespace) */
};

struct endpoint_info {
    __u32 endpoint_id; /* key into nodus_policy; also reported in events */
    __u32 identity;    /* the endpoint's own security identity */
    __u32 ipv4;        /* the endpoint's IPv4, network order */
    __u32 flags;       /* EP_F_* */
};

/* ---- nodus_policy: hash of maps, endpoint id -> per-endpoint policy LPM trie ---------
 * The key's bits, in trie order: identity (32) and direction (8) always match in full;
 * then the protocol (8) unless it is a wildcard; then a prefix of the destination port
 * (0..16 bits, network order). A port range is stored as the few prefixes that cover it
 * exactly. The datapath looks the flow up twice, with the remote identity and with 0
 * ("any identity"); each lookup yields the most specific L4 match for that identity.
 */
#define POLICY_PREFIX_L3    40 /* identity + direction: an L3-only entry (any protocol) */
#define POLICY_PREFIX_PROTO 48 /* ... + protocol: any port of that protocol */
#define POLICY_PREFIX_FULL  64 /* ... + all 16 port bits: one port */

struct policy_key {
    __u32 prefixlen; /* LPM prefix length: POLICY_PREFIX_L3 .. POLICY_PREFIX_FULL */
    __u32 identity;  /* remote identity; 0 = any identity */
    __u8 direction;  /* DIR_INGRESS (into the endpoint) or DIR_EGRESS (out of it) */
    __u8 proto;      /* IPPROTO_*; 0 with prefixlen POLICY_PREFIX_L3 */
    __u16 dport;     /* destination port, network order; for ICMP the ICMP type
                        (echo request = 8). Bits past the prefix are 0. */
};

#define POLICY_F_DENY (1U << 0) /* matching traffic is dropped, whatever allows it */

struct policy_value {
    __u8 flags;          /* POLICY_F_* */
    __u8 prefixlen;      /* the key's prefixlen, reported in verdict events */
    __u16 proxy_port;    /* L7 proxy port, network order; 0 = none (reserved) */
    __u16 rule_port;     /* first port of the policy entry's range, host order (events) */
    __u16 rule_end_port; /* last port of that range, host order (events) */
};

/* ---- nodus_ct: hash, connection tracking --------------------------------------------
 * The key is the packet's own tuple plus the direction of the flow that created it.
 * A reply is found by looking up the reversed tuple with the opposite direction.
 * ICMP echo request/reply use the echo identifier as both ports, so a reply matches
 * its request; ICMP errors are matched through the header they quote. Protocols
 * without ports use 0 for both. The map is not an LRU: a full table fails the insertion
 * (a counted drop), it never silently evicts a live connection. The agent removes
 * expired entries.
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

#define CT_F_TCP_FIN    (1U << 0) /* a FIN was seen in either direction */
#define CT_F_TCP_RST    (1U << 1) /* a RST was seen in either direction */
#define CT_F_SEEN_REPLY (1U << 2) /* a packet of the reverse direction passed */

struct ct_value {
    __u64 expires_ns; /* bpf_ktime_get_coarse_ns() after which the entry counts as absent */
    __u64 packets;    /* packets seen in both directions (approximate: racy increments) */
    __u64 bytes;      /* bytes (skb->len) seen in both directions (approximate) */
    __u32 flags;      /* CT_F_* */
    __u32 pad;        /* 0 */
};

/* CT state of a packet, reported in events (Cilium's numbers). */
#define CT_NEW         0
#define CT_ESTABLISHED 1
#define CT_REPLY       2
#define CT_RELATED     3

/* ---- nodus_frags: LRU, IPv4 datagram -> L4 ports of its first fragment ---------------- */

struct frag_key {
    __u32 saddr; /* network order */
    __u32 daddr; /* network order */
    __u16 id;    /* IP identification, network order */
    __u8 proto;  /* IPPROTO_* */
    __u8 pad;    /* 0 */
};

struct frag_value {
    __u16 sport;       /* network order */
    __u16 dport;       /* network order */
    __u16 policy_port; /* network order */
    __u16 pad;         /* 0 */
};

/* ---- nodus_events: ring buffer of datapath events ----------------------------------
 * Types use Cilium's monitor numbers.
 */
#define EVENT_DROP           1
#define EVENT_TRACE          4
#define EVENT_POLICY_VERDICT 5

/* Which entry decided a policy verdict (Cilium's policy match types). */
#define MATCH_NONE       0
#define MATCH_L3_ONLY    1
#define MATCH_L3_L4      2
#define MATCH_L4_ONLY    3
#define MATCH_ALL        4
#define MATCH_L3_PROTO   5
#define MATCH_PROTO_ONLY 6

/* Trace observation points (Cilium's numbers). */
#define TRACE_TO_ENDPOINT   0
#define TRACE_FROM_ENDPOINT 5

struct nodus_event {
    __u8 type;            /* EVENT_* */
    __u8 reason;          /* drop: reason code; verdict: 0; trace: observation point */
    __u8 direction;       /* DIR_INGRESS or DIR_EGRESS */
    __u8 proto;           /* IPPROTO_*, 0 when not IPv4 */
    __u32 endpoint_id;    /* endpoint whose program saw the packet */
    __u32 src_identity;   /* identity of the sender */
    __u32 dst_identity;   /* identity of the receiver */
    __u32 saddr;          /* IPv4 source, network order; 0 when not IPv4 */
    __u32 daddr;          /* IPv4 destination, network order; 0 when not IPv4 */
    __u16 sport;          /* source port, network order (ICMP echo: identifier) */
    __u16 dport;          /* destination port, network order (ICMP: type for errors) */
    __u32 ifindex;        /* host-side veth ifindex */
    __u64 ktime_ns;       /* bpf_ktime_get_ns() at the event */
    __u32 len;            /* packet length (skb->len) */
    __u8 match_type;      /* MATCH_*: the policy entry that decided (verdicts, denials) */
    __u8 match_prefixlen; /* that entry's key prefixlen; 0 without a match */
    __u8 ct_state;        /* CT_* */
    __u8 pad;             /* 0 */
    __u32 match_identity; /* that entry's identity (0 = any) */
    __u16 match_port;     /* that entry's range, host order; 0 = any port */
    __u16 match_end_port;
};

/* ---- nodus_metrics: per-CPU array, (reason << 1) | direction -> counters ------------- */

struct metrics_value {
    __u64 packets; /* packets counted on this CPU */
    __u64 bytes;   /* bytes (skb->len) counted on this CPU */
};

/* ---- nodus_log_pos: array of one, the log position the maps reflect -----------------
 * No program reads it. The agent writes it after each pass that moved the maps to a new
 * revision (one map write) and reads it on start, so that no controller can take the maps
 * back: a snapshot older than this revision, or of another cluster, is never applied. It
 * lives here, beside the maps it describes, for their lifetime: pinned under the same root,
 * unpinned by the same cleaner, gone with them on a reboot (a file elsewhere could outlive
 * the maps, and a node whose maps are gone has nothing to protect).
 */
#define LOG_POS_VERSION      1
#define LOG_POS_CLUSTER_MAX  48

struct log_position {
    __u64 revision;          /* last log revision whose state the maps hold */
    __u64 applied_unix_ms;   /* when the agent finished writing it, ms since the epoch */
    __u32 version;           /* LOG_POS_VERSION; 0 = never written */
    __u32 flags;             /* reserved, 0 */
    char cluster_uuid[LOG_POS_CLUSTER_MAX]; /* cluster id, ASCII, NUL-padded; "" = unknown */
};

#endif /* NODUS_MAPS_H */
